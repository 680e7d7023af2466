//! A hint to the processor to start fetching memory that a query will read soon.
//!
//! At provincial scale a point's proximity search reads half a dozen parts scattered over a few hundred megabytes,
//! each reached through a chain of records (cell list → part → zone → segment index → boxes → coordinates). Read
//! one after the other, each step of each chain waits for memory in turn; asking for one step of every chain
//! before reading any of them lets the waits overlap.

/// Asks for the cache line holding `p`. Never faults and changes nothing observable; elsewhere than x86-64 it does
/// nothing.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
