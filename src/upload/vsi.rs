//! GDAL's virtual file systems for uploads: the bytes live in one `/vsimem/` folder per upload (never on disk), zips
//! and KMZ are read through `/vsizip/` inside it, and [`Scratch`] removes everything it created when dropped, on
//! error paths too.

use super::error::UploadError;
use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicU64, Ordering};

/// Every upload's folder starts with this, so leftovers would be easy to find (see [`scratch_entries`]).
pub const SCRATCH_PREFIX: &str = "/vsimem/ecogate-upload-";

static NEXT: AtomicU64 = AtomicU64::new(0);

/// One upload's folder in `/vsimem/`; every file put there is unlinked when this is dropped.
pub struct Scratch {
    dir: String,
    files: Vec<String>,
}

impl Scratch {
    pub fn new() -> Scratch {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Scratch { dir: format!("{SCRATCH_PREFIX}{}-{n}", std::process::id()), files: Vec::new() }
    }

    /// Puts bytes under `name` in this upload's folder and returns the `/vsimem/` path.
    pub fn put(&mut self, name: &str, bytes: Vec<u8>) -> Result<String, UploadError> {
        let path = format!("{}/{}", self.dir, name);
        gdal::vsi::create_mem_file(&path, bytes)
            .map_err(|e| UploadError::Unreadable { what: name.to_string(), message: format!("cannot hold the upload in memory: {e}") })?;
        self.files.push(path.clone());
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for f in &self.files {
            if let Ok(c) = CString::new(f.as_str()) {
                // SAFETY: a valid NUL-terminated path; VSIUnlink only reads it.
                unsafe { gdal_sys::VSIUnlink(c.as_ptr()) };
            }
        }
        // Anything a driver may have added beside them (none expected for read-only opens).
        if let Ok(c) = CString::new(self.dir.as_str()) {
            // SAFETY: as above.
            unsafe { gdal_sys::VSIRmdirRecursive(c.as_ptr()) };
        }
    }
}

/// Upload folders still present in `/vsimem/` (for tests and diagnostics: after every upload it is empty).
pub fn scratch_entries() -> Vec<String> {
    let name = SCRATCH_PREFIX.trim_start_matches("/vsimem/");
    gdal::vsi::read_dir("/vsimem/", true)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p.starts_with(name) || p.contains(&format!("/{name}")))
        .collect()
}

/// Files (not folders) inside a `/vsizip/` archive, relative to its root, in archive order; `None` when the
/// archive cannot be read at all (truncated or corrupt).
pub fn zip_members(archive: &str) -> Option<Vec<String>> {
    let root = format!("/vsizip/{archive}");
    let mut out = Vec::new();
    let c = CString::new(root.as_str()).ok()?;
    if !exists(&root) {
        return None;
    }
    // SAFETY: VSIReadDirRecursive returns a NULL-terminated list we own and free with CSLDestroy.
    unsafe {
        let list = gdal_sys::VSIReadDirRecursive(c.as_ptr());
        if list.is_null() {
            return Some(out);
        }
        let mut i = 0;
        loop {
            let p = *list.add(i);
            if p.is_null() {
                break;
            }
            out.push(CStr::from_ptr(p).to_string_lossy().into_owned());
            i += 1;
        }
        gdal_sys::CSLDestroy(list);
    }
    // Folders are listed too ("dir" before "dir/file"): keep only entries nothing else lies under.
    let all = out.clone();
    out.retain(|m| !m.ends_with('/') && !all.iter().any(|o| o.len() > m.len() && o.starts_with(m.as_str()) && o[m.len()..].starts_with('/')));
    Some(out)
}

fn exists(path: &str) -> bool {
    let Ok(c) = CString::new(path) else { return false };
    // The stat buffer is opaque in the bindings: give VSIStatL room for any platform's struct stat.
    let mut buf = [0u64; 64];
    // SAFETY: VSIStatL writes at most sizeof(struct stat) (144 bytes on x86-64 Linux) into a 512-byte buffer.
    unsafe { gdal_sys::VSIStatL(c.as_ptr(), buf.as_mut_ptr().cast()) == 0 }
}

/// A GDAL error message without GDAL's call boilerplate and without the upload's internal `/vsimem/` paths.
pub fn clean_message(msg: &str, display: &str) -> String {
    let mut m = msg.to_string();
    if let Some(i) = m.find("Error msg: ") {
        m = m[i + "Error msg: ".len()..].trim_matches(['\'', ' ']).to_string();
    }
    // "/vsizip//vsimem/ecogate-upload-1-2/upload.zip/doc.kml" → "doc.kml"; "/vsimem/ecogate-upload-1-2/upload.kml" →
    // the uploaded file's name.
    while let Some(start) = m.find("/vsizip//vsimem/ecogate-upload-").or_else(|| m.find(SCRATCH_PREFIX)) {
        let rest = &m[start..];
        let end = rest.find([' ', ':', ',', '\'']).unwrap_or(rest.len());
        let path = &rest[..end];
        let short = path.rsplit_once(".zip/").map(|(_, member)| member).unwrap_or(display).to_string();
        m.replace_range(start..start + end, &short);
    }
    if m.is_empty() {
        "GDAL gives no reason (the file is probably truncated or not what its name says)".into()
    } else {
        m
    }
}

/// Reads a whole virtual file (e.g. a zip member), at most `limit` bytes.
pub fn read_all(path: &str, limit: usize) -> Result<Vec<u8>, String> {
    let c = CString::new(path).map_err(|e| e.to_string())?;
    let mode = CString::new("rb").map_err(|e| e.to_string())?;
    // SAFETY: the handle is checked for NULL, read into a buffer of the size we pass, and closed exactly once.
    unsafe {
        let fp = gdal_sys::VSIFOpenL(c.as_ptr(), mode.as_ptr());
        if fp.is_null() {
            return Err(format!("cannot open {path}"));
        }
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = gdal_sys::VSIFReadL(buf.as_mut_ptr().cast(), 1, buf.len(), fp);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
            if out.len() > limit {
                gdal_sys::VSIFCloseL(fp);
                return Err(format!("{path} unpacks to more than {limit} bytes"));
            }
        }
        gdal_sys::VSIFCloseL(fp);
        Ok(out)
    }
}

/// Sets a GDAL configuration option for this thread only, restoring the previous value when dropped.
pub struct ThreadConfig {
    key: CString,
    previous: Option<CString>,
}

impl ThreadConfig {
    pub fn set(key: &str, value: &str) -> Option<ThreadConfig> {
        let key = CString::new(key).ok()?;
        let value = CString::new(value).ok()?;
        // SAFETY: CPLGetThreadLocalConfigOption returns a pointer valid until the option changes; we copy it first.
        unsafe {
            let prev = gdal_sys::CPLGetThreadLocalConfigOption(key.as_ptr(), std::ptr::null());
            let previous = if prev.is_null() { None } else { Some(CStr::from_ptr(prev).to_owned()) };
            gdal_sys::CPLSetThreadLocalConfigOption(key.as_ptr(), value.as_ptr());
            Some(ThreadConfig { key, previous })
        }
    }
}

impl Drop for ThreadConfig {
    fn drop(&mut self) {
        let prev = self.previous.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
        // SAFETY: both pointers are valid NUL-terminated strings (or NULL to unset) for the duration of the call.
        unsafe { gdal_sys::CPLSetThreadLocalConfigOption(self.key.as_ptr(), prev) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gdal_messages_lose_internal_paths() {
        let m = "GDAL method 'GDALOpenEx' returned a NULL pointer. Error msg: 'ERROR parsing kml /vsizip//vsimem/ecogate-upload-1-0/upload.zip/doc.kml :not well-formed'";
        assert_eq!(clean_message(m, "site.kmz"), "ERROR parsing kml doc.kml :not well-formed");
        assert_eq!(clean_message("bad /vsimem/ecogate-upload-9-3/upload.gpkg, really", "用地.gpkg"), "bad 用地.gpkg, really");
    }
}
