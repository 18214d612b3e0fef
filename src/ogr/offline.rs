//! GDAL without the network: reading a user's file must never fetch a URL.
//!
//! GDAL 3.6 fetches in two ways a file can trigger. `CPLHTTPFetch` serves, among others, the
//! GeoJSON driver's `"crs": {"type": "link", "href": "http://…"}` (it ignores
//! `ALLOW_NETWORK_ACCESS`, which only guards `"type": "name"`); a process-wide fetch callback
//! that refuses every request replaces it. The `/vsicurl/` family (`/vsis3/`, `/vsigs/`, …)
//! reads through curl directly; allowing it only an extension no URL of ours ends with shuts
//! it, and ingest refuses such paths before GDAL sees them. PROJ's own network (grid
//! downloads) is switched off as well.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Once;

/// `CPLHTTPResult` from `cpl_http.h` (not in the generated bindings).
#[repr(C)]
struct HttpResult {
    status: c_int,
    content_type: *mut c_char,
    error: *mut c_char,
    data_len: c_int,
    data_alloc: c_int,
    data: *mut u8,
    headers: *mut *mut c_char,
    mime_part_count: c_int,
    mime_parts: *mut c_void,
}

type FetchCallback = unsafe extern "C" fn(
    url: *const c_char,
    options: *const *const c_char,
    progress: *mut c_void,
    progress_arg: *mut c_void,
    write: *mut c_void,
    write_arg: *mut c_void,
    user: *mut c_void,
) -> *mut HttpResult;

unsafe extern "C" {
    fn CPLHTTPSetFetchCallback(callback: Option<FetchCallback>, user: *mut c_void);
}

/// Answers every `CPLHTTPFetch` with a failure, without touching the network.
unsafe extern "C" fn refuse_fetch(
    _url: *const c_char,
    _options: *const *const c_char,
    _progress: *mut c_void,
    _progress_arg: *mut c_void,
    _write: *mut c_void,
    _write_arg: *mut c_void,
    _user: *mut c_void,
) -> *mut HttpResult {
    // GDAL frees the result with CPLHTTPDestroyResult, so it must come from its allocator.
    unsafe {
        let result = gdal_sys::CPLCalloc(1, std::mem::size_of::<HttpResult>()) as *mut HttpResult;
        (*result).status = 1;
        (*result).error = gdal_sys::CPLStrdup(c"network access is disabled in kartrum".as_ptr());
        result
    }
}

/// An extension no file name of ours ends with, so `/vsicurl/` and its kin open nothing.
const NO_EXTENSION: &str = ".kartrum-network-access-is-disabled";

/// Path prefixes of GDAL's network file systems, refused wherever a path comes from a user.
pub const NETWORK_PREFIXES: [&str; 10] = [
    "/vsicurl",
    "/vsis3",
    "/vsigs",
    "/vsiaz",
    "/vsiadls",
    "/vsioss",
    "/vsiswift",
    "/vsiwebhdfs",
    "/vsihdfs",
    "/vsihttp",
];

/// Whether `path` names a GDAL network file system anywhere in it (also nested, as in
/// `/vsizip//vsicurl/…`).
pub fn is_network_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    NETWORK_PREFIXES.iter().any(|p| lower.contains(p))
}

/// Shuts GDAL off from the network, once per process; every later call does nothing.
pub fn forbid_network() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Both option names are plain ASCII constants.
        let _ = gdal::config::set_config_option("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", NO_EXTENSION);
        let _ = gdal::config::set_config_option("GDAL_HTTP_MAX_RETRY", "0");
        unsafe {
            CPLHTTPSetFetchCallback(Some(refuse_fetch), std::ptr::null_mut());
            gdal_sys::OSRSetPROJEnableNetwork(0);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_paths_are_recognised() {
        assert!(is_network_path("/vsicurl/http://example.org/a.shp"));
        assert!(is_network_path("/vsizip//VSIS3/bucket/a.zip"));
        assert!(!is_network_path("/tmp/upload/vägar.gpkg"));
    }

    #[test]
    fn a_crs_link_is_not_fetched() {
        forbid_network();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/x.prj", listener.local_addr().unwrap());
        let srs = gdal::spatial_ref::SpatialRef::from_epsg(4326).unwrap();
        let c_url = std::ffi::CString::new(url).unwrap();
        let rv = unsafe { gdal_sys::OSRImportFromUrl(srs.to_c_hsrs(), c_url.as_ptr()) };
        assert_ne!(rv, gdal_sys::OGRErr::OGRERR_NONE);
        assert_eq!(
            listener.accept().map_err(|e| e.kind()).err(),
            Some(std::io::ErrorKind::WouldBlock),
            "GDAL connected to the listener"
        );
    }
}
