//! Checks a CRS definition or PROJ pipeline on one long-lived PROJ context before the `proj` crate builds a
//! transformation from it.
//!
//! Why: `proj` 0.27 creates a fresh PROJ context for every `Proj::new*` call and does not destroy it when creation
//! fails, so each refused definition leaked its context (about 30 kB with its open proj.db handle). Definitions come
//! from requests (`crs=EPSG:…`) and uploaded `.prj` files, so a client could grow the server's memory at will; the
//! input_crs fuzz target ran out of memory this way. Creating the object here first, on a context that lives as long
//! as the thread, leaves only definitions PROJ accepts for the crate, whose success path frees what it allocates.

use proj_sys::{
    proj_context_create, proj_context_destroy, proj_context_errno, proj_context_errno_string, proj_create, proj_destroy,
    proj_is_crs, proj_log_level, PJ_CONTEXT, PJ_LOG_LEVEL_PJ_LOG_NONE,
};
use std::ffi::{CStr, CString};

/// What the definition must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A coordinate reference system (`EPSG:4526`, WKT, PROJJSON, a `+proj=` string).
    Crs,
    /// Anything PROJ can instantiate, e.g. a `+proj=pipeline`.
    Operation,
}

struct Context(*mut PJ_CONTEXT);

impl Drop for Context {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the context was created by proj_context_create, is used only by this thread and destroyed once.
            unsafe { proj_context_destroy(self.0) };
        }
    }
}

thread_local! {
    static CONTEXT: Context = {
        // SAFETY: creating a context has no preconditions; a null result is handled at use.
        let ctx = unsafe { proj_context_create() };
        if !ctx.is_null() {
            // Refusals are reported to the caller; PROJ's own stderr lines would only repeat them in the log.
            // SAFETY: ctx is a valid context.
            unsafe { proj_log_level(ctx, PJ_LOG_LEVEL_PJ_LOG_NONE) };
        }
        Context(ctx)
    };
}

/// `Ok` when PROJ can instantiate `definition` as `expect`; otherwise PROJ's reason.
pub fn check(definition: &str, expect: Expect) -> Result<(), String> {
    let c_def = CString::new(definition).map_err(|_| "the definition contains a NUL byte".to_string())?;
    CONTEXT.with(|ctx| {
        let ctx = ctx.0;
        if ctx.is_null() {
            return Err("PROJ could not create a context".to_string());
        }
        // SAFETY: ctx is this thread's live context and c_def a NUL-terminated string that outlives the call.
        let obj = unsafe { proj_create(ctx, c_def.as_ptr()) };
        if obj.is_null() {
            // SAFETY: ctx is live; PROJ returns a static or context-owned string (or null) for the error number.
            let reason = unsafe {
                let msg = proj_context_errno_string(ctx, proj_context_errno(ctx));
                if msg.is_null() { "not a definition PROJ knows".to_string() } else { CStr::from_ptr(msg).to_string_lossy().into_owned() }
            };
            return Err(reason);
        }
        // SAFETY: obj is a valid PJ created above and destroyed exactly once here.
        let is_crs = unsafe { proj_is_crs(obj) } != 0;
        unsafe { proj_destroy(obj) };
        match expect {
            Expect::Crs if !is_crs => Err("not a coordinate reference system (a datum, ellipsoid or operation?)".to_string()),
            _ => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_crs_pass_and_unknown_or_non_crs_codes_are_refused() {
        assert!(check("EPSG:4526", Expect::Crs).is_ok());
        assert!(check("EPSG:99999", Expect::Crs).is_err());
        // EPSG:7019 is the GRS 1980 ellipsoid, not a CRS.
        assert!(check("EPSG:7019", Expect::Crs).is_err());
        assert!(check("+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad", Expect::Operation).is_ok());
        assert!(check("bad\0name", Expect::Crs).is_err());
    }
}
