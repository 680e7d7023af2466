//! The one place where a geometry handle that GDAL hands over (from `OGR_G_ForceTo`, `OGR_G_UnionCascaded`,
//! `OGR_G_GetLinearGeometry` …, which the `gdal` crate does not wrap) becomes a safe `gdal::vector::Geometry`.

use gdal::vector::Geometry;
use gdal_sys::{OGRGeometryH, OGRwkbByteOrder, OGRErr};

/// Takes ownership of `h`, copies it into a `Geometry` through WKB and destroys the handle exactly once. `None` for a
/// NULL handle or one that cannot be exported.
///
/// # Safety
/// `h` must be NULL or a valid geometry handle owned by the caller, not used again after this call.
pub unsafe fn take_owned(h: OGRGeometryH) -> Option<Geometry> {
    if h.is_null() {
        return None;
    }
    let size = usize::try_from(gdal_sys::OGR_G_WkbSize(h)).unwrap_or(0);
    let mut buf = vec![0u8; size];
    let ok = size > 0 && gdal_sys::OGR_G_ExportToWkb(h, OGRwkbByteOrder::wkbNDR, buf.as_mut_ptr()) == OGRErr::OGRERR_NONE;
    gdal_sys::OGR_G_DestroyGeometry(h);
    if !ok {
        return None;
    }
    Geometry::from_wkb(&buf).ok()
}
