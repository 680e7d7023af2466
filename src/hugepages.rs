//! Backing the loaded dataset with 2 MiB pages (Linux transparent huge pages).
//!
//! Why: a point assessment at provincial scale reads a few hundred bytes in each of ≈ 6 parts at random places in a
//! dataset of hundreds of MiB. With 4 KiB pages nearly every one of those reads also misses the TLB, and under a
//! hypervisor (this project's benchmark machine is a Firecracker VM) a TLB miss walks two page tables. Debian's
//! default THP policy is `madvise`: memory gets huge pages only where the program asks. So once a dataset is loaded,
//! the large anonymous mappings of the heap are marked `MADV_HUGEPAGE` and collapsed at once (`MADV_COLLAPSE`,
//! Linux ≥ 6.1; on older kernels the mark alone lets khugepaged collapse them in the background). Measured on
//! henan (BENCHMARKS.md): full point assessments ≈ 13 % faster, median of 10 alternating runs. Collapsing ≈ 210 MiB
//! takes ≈ 0.6 s there: the long-running commands (`serve`, its reloads, `batch`) ask for it on a thread of its own
//! after loading, off the path to ready; a one-shot `check` does not ask.
//!
//! A hint only: where the kernel refuses (THP `never`, an old kernel, not Linux), nothing changes but the speed.

/// Mappings smaller than this are left alone (thread stacks, small arenas): the dataset lives in large ones.
const MIN_MAPPING: usize = 8 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// What [`back_loaded_data`] did: bytes marked, and bytes the kernel collapsed into huge pages at once.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Backed {
    pub marked: usize,
    pub collapsed: usize,
}

/// Marks the process's large anonymous private mappings for huge pages and asks the kernel to collapse them now.
/// Call after a dataset is loaded (the memory it marks is the heap as it stands).
pub fn back_loaded_data() -> Backed {
    #[cfg(target_os = "linux")]
    {
        let policy = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
        if policy.contains("[never]") || policy.is_empty() {
            return Backed::default();
        }
        let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return Backed::default() };
        let mut done = Backed::default();
        for (start, end) in maps.lines().filter_map(anonymous_private_rw) {
            // Whole huge pages inside the mapping only.
            let (start, end) = (start.div_ceil(HUGE_PAGE) * HUGE_PAGE, end / HUGE_PAGE * HUGE_PAGE);
            if end < start + MIN_MAPPING {
                continue;
            }
            let (addr, len) = (start as *mut libc::c_void, end - start);
            // SAFETY: madvise with these advice values changes no contents or permissions, only how the kernel
            // backs the pages; the range lies inside a mapping of this process (read from /proc/self/maps just
            // now, and nothing unmaps here meanwhile but the allocator, for which a stale advice is harmless).
            if unsafe { libc::madvise(addr, len, libc::MADV_HUGEPAGE) } != 0 {
                continue;
            }
            done.marked += len;
            if unsafe { libc::madvise(addr, len, MADV_COLLAPSE) } == 0 {
                done.collapsed += len;
            }
        }
        tracing::debug!(marked = done.marked, collapsed = done.collapsed, "huge pages for the loaded dataset");
        done
    }
    #[cfg(not(target_os = "linux"))]
    Backed::default()
}

/// [`back_loaded_data`] on a thread of its own: the caller goes on (serving, screening) while the kernel collapses.
pub fn back_loaded_data_in_background() {
    if let Err(e) = std::thread::Builder::new().name("hugepages".into()).spawn(back_loaded_data) {
        tracing::debug!(error = %e, "no thread for the huge-page hint");
    }
}

/// `MADV_COLLAPSE` (Linux 6.1, `include/uapi/asm-generic/mman-common.h`), not in every libc crate version.
#[cfg(target_os = "linux")]
const MADV_COLLAPSE: libc::c_int = 25;

/// The address range of a `/proc/self/maps` line for an anonymous (or heap) private read-write mapping.
fn anonymous_private_rw(line: &str) -> Option<(usize, usize)> {
    let mut f = line.split_whitespace();
    let (range, perms) = (f.next()?, f.next()?);
    // offset, device, inode, then the path (absent for anonymous memory).
    let path = f.nth(3);
    if perms != "rw-p" || !matches!(path, None | Some("[heap]")) {
        return None;
    }
    let (a, b) = range.split_once('-')?;
    Some((usize::from_str_radix(a, 16).ok()?, usize::from_str_radix(b, 16).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_anonymous_private_writable_mappings_are_taken() {
        assert_eq!(anonymous_private_rw("7f0000000000-7f0000800000 rw-p 00000000 00:00 0 "), Some((0x7f00_0000_0000, 0x7f00_0080_0000)));
        assert_eq!(anonymous_private_rw("55d000000000-55d004000000 rw-p 00000000 00:00 0                          [heap]"), Some((0x55d0_0000_0000, 0x55d0_0400_0000)));
        assert_eq!(anonymous_private_rw("7f0000000000-7f0000800000 r--p 00000000 08:01 1234 /usr/lib/libgdal.so.32"), None);
        assert_eq!(anonymous_private_rw("7f0000000000-7f0000800000 rw-p 00000000 08:01 1234 /tmp/data.gpkg"), None);
        assert_eq!(anonymous_private_rw("7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]"), None);
        assert_eq!(anonymous_private_rw("7f0000000000-7f0000800000 rw-s 00000000 00:05 99 /dev/zero (deleted)"), None);
    }

    #[test]
    fn a_large_allocation_is_marked_where_the_kernel_offers_huge_pages() {
        let policy = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
        let data = vec![1u8; 64 << 20];
        let done = back_loaded_data();
        if policy.contains("[madvise]") || policy.contains("[always]") {
            assert!(done.marked >= 32 << 20, "{done:?} under THP policy {policy}");
        } else {
            assert_eq!(done, Backed::default());
        }
        assert!(data.iter().all(|b| *b == 1), "contents unchanged");
    }
}
