//! The frame of a map image: which part of the world (a WGS84 box, fitted and centred as the
//! web map's `fitBounds` does), at what size in CSS pixels and at what device pixel ratio.

use crate::tiles::mercator::{MAX_LATITUDE, lonlat_to_world, world_to_lonlat};

/// Least and most CSS pixels a side may have.
pub const SIDE: (u32, u32) = (16, 4096);
/// Least and most device pixels per CSS pixel.
pub const DPR: (f64, f64) = (0.5, 4.0);
/// Most device pixels of a side.
pub const MAX_DEVICE_SIDE: u32 = 8192;
/// Most device pixels in all (4096², 64 MiB as RGBA).
pub const MAX_DEVICE_PIXELS: u64 = 16_777_216;
/// Ground metres per world unit at the equator (Web Mercator: the equator's length).
const EQUATOR_M: f64 = 40_075_016.686;
/// CSS pixels of the world at zoom 0, as MapLibre counts zoom.
const WORLD_PX: f64 = 512.0;

/// A frame that cannot be drawn; the message names the setting and its bound.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A setting is out of its range.
    #[error("{0}")]
    OutOfRange(String),
}

/// The part of the world an image shows and its size. Device pixels grow right and down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Width in CSS pixels.
    pub width: u32,
    /// Height in CSS pixels.
    pub height: u32,
    /// Device pixels per CSS pixel.
    pub dpr: f64,
    /// Centre in Web Mercator world units (0–1, y down).
    centre: (f64, f64),
    /// Device pixels per world unit.
    scale: f64,
}

impl Frame {
    /// The frame showing all of `bbox` (`[w, s, e, n]` in WGS84), centred, at this size.
    ///
    /// ```
    /// use kartrummet::render::frame::Frame;
    /// let f = Frame::fit([13.0, 60.0, 16.0, 62.0], 800, 600, 2.0).unwrap();
    /// assert_eq!(f.device_size(), (1600, 1200));
    /// let (x, y) = f.project(14.5, 61.0);
    /// assert!((x - 800.0).abs() < 1.0 && (y - 600.0).abs() < 20.0);
    /// assert!(Frame::fit([16.0, 60.0, 13.0, 62.0], 800, 600, 1.0).is_err());
    /// ```
    pub fn fit(bbox: [f64; 4], width: u32, height: u32, dpr: f64) -> Result<Self, FrameError> {
        let frame = Self::size(width, height, dpr)?;
        let [w, s, e, n] = bbox;
        let lon_ok = |v: f64| (-180.0..=180.0).contains(&v);
        let lat_ok = |v: f64| (-MAX_LATITUDE..=MAX_LATITUDE).contains(&v);
        if !(lon_ok(w) && lon_ok(e) && lat_ok(s) && lat_ok(n) && w < e && s < n) {
            return Err(FrameError::OutOfRange(format!(
                "bbox must be west,south,east,north with west < east within −180–180 and south < north within ±{MAX_LATITUDE:.2}; got {bbox:?}"
            )));
        }
        let (x0, y1) = lonlat_to_world(w, s);
        let (x1, y0) = lonlat_to_world(e, n);
        let (dw, dh) = frame.device_size();
        let scale = (f64::from(dw) / (x1 - x0)).min(f64::from(dh) / (y1 - y0));
        Ok(Self {
            centre: ((x0 + x1) / 2.0, (y0 + y1) / 2.0),
            scale,
            ..frame
        })
    }

    /// A box written `west,south,east,north` (the `bbox` of a request, `--bbox` of the CLI).
    ///
    /// ```
    /// use kartrummet::render::Frame;
    /// assert_eq!(Frame::parse_bbox("13,60, 16,62").unwrap(), [13.0, 60.0, 16.0, 62.0]);
    /// assert!(Frame::parse_bbox("13,60,16").is_err());
    /// ```
    pub fn parse_bbox(text: &str) -> Result<[f64; 4], FrameError> {
        let numbers: Result<Vec<f64>, _> = text.split(',').map(|v| v.trim().parse()).collect();
        numbers
            .ok()
            .and_then(|n| <[f64; 4]>::try_from(n).ok())
            .ok_or_else(|| {
                FrameError::OutOfRange(format!(
                    "bbox must be four numbers west,south,east,north; got {text:?}"
                ))
            })
    }

    /// The frame centred on `centre` (lon, lat) at MapLibre zoom `zoom`, at this size.
    pub fn at(
        centre: [f64; 2],
        zoom: f64,
        width: u32,
        height: u32,
        dpr: f64,
    ) -> Result<Self, FrameError> {
        let frame = Self::size(width, height, dpr)?;
        let [lon, lat] = centre;
        if !(lon.is_finite() && lat.is_finite() && (0.0..=22.0).contains(&zoom)) {
            return Err(FrameError::OutOfRange(format!(
                "centre {centre:?} and zoom {zoom} must be a place and a zoom of 0–22"
            )));
        }
        Ok(Self {
            centre: lonlat_to_world(lon.clamp(-180.0, 180.0), lat),
            scale: WORLD_PX * 2f64.powf(zoom) * dpr,
            ..frame
        })
    }

    /// Checks the bounds of a size before anything is drawn at it.
    pub fn check_size(width: u32, height: u32, dpr: f64) -> Result<(), FrameError> {
        Self::size(width, height, dpr).map(|_| ())
    }

    /// A frame of this size, still without a place; checks the bounds of the size.
    fn size(width: u32, height: u32, dpr: f64) -> Result<Self, FrameError> {
        let (lo, hi) = SIDE;
        if !(lo..=hi).contains(&width) || !(lo..=hi).contains(&height) {
            return Err(FrameError::OutOfRange(format!(
                "width and height must be {lo}–{hi} pixels; got {width}×{height}"
            )));
        }
        if !(DPR.0..=DPR.1).contains(&dpr) {
            return Err(FrameError::OutOfRange(format!(
                "dpr must be {}–{}; got {dpr}",
                DPR.0, DPR.1
            )));
        }
        let frame = Self {
            width,
            height,
            dpr,
            centre: (0.5, 0.5),
            scale: 1.0,
        };
        let (dw, dh) = frame.device_size();
        if dw.max(dh) > MAX_DEVICE_SIDE || u64::from(dw) * u64::from(dh) > MAX_DEVICE_PIXELS {
            return Err(FrameError::OutOfRange(format!(
                "the image would be {dw}×{dh} device pixels; at most {MAX_DEVICE_SIDE} a side and {MAX_DEVICE_PIXELS} in all (lower width, height or dpr)"
            )));
        }
        Ok(frame)
    }

    /// Width and height in device pixels.
    pub fn device_size(&self) -> (u32, u32) {
        let side = |css: u32| ((f64::from(css) * self.dpr).round() as u32).max(1);
        (side(self.width), side(self.height))
    }

    /// Device pixel position of a WGS84 point.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = lonlat_to_world(lon, lat);
        let (dw, dh) = self.device_size();
        (
            (x - self.centre.0) * self.scale + f64::from(dw) / 2.0,
            (y - self.centre.1) * self.scale + f64::from(dh) / 2.0,
        )
    }

    /// The WGS84 box the image shows (`[w, s, e, n]`).
    pub fn bbox(&self) -> [f64; 4] {
        let (dw, dh) = self.device_size();
        let half = (
            f64::from(dw) / 2.0 / self.scale,
            f64::from(dh) / 2.0 / self.scale,
        );
        let (w, n) = world_to_lonlat(self.centre.0 - half.0, self.centre.1 - half.1);
        let (e, s) = world_to_lonlat(self.centre.0 + half.0, self.centre.1 + half.1);
        [w.max(-180.0), s, e.min(180.0), n]
    }

    /// The MapLibre zoom of the image (what the web map would show at this scale).
    pub fn zoom(&self) -> f64 {
        (self.scale / self.dpr / WORLD_PX).log2()
    }

    /// Ground metres per CSS pixel at the centre, for the scale bar.
    pub fn metres_per_pixel(&self) -> f64 {
        let (_, lat) = world_to_lonlat(self.centre.0, self.centre.1);
        EQUATOR_M * lat.to_radians().cos() / (self.scale / self.dpr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_refused_with_their_names() {
        let message = |r: Result<Frame, FrameError>| r.unwrap_err().to_string();
        assert!(message(Frame::fit([13.0, 60.0, 16.0, 62.0], 10, 100, 1.0)).contains("16–4096"));
        assert!(message(Frame::fit([13.0, 60.0, 16.0, 62.0], 100, 100, 9.0)).contains("dpr"));
        assert!(message(Frame::fit([13.0, 60.0, 16.0, 62.0], 4096, 4096, 2.0)).contains("8192"));
        assert!(message(Frame::fit([13.0, 89.0, 16.0, 90.0], 100, 100, 1.0)).contains("bbox"));
        assert!(message(Frame::fit([f64::NAN, 60.0, 16.0, 62.0], 100, 100, 1.0)).contains("bbox"));
        assert!(message(Frame::at([15.0, 60.0], 40.0, 100, 100, 1.0)).contains("zoom"));
    }

    #[test]
    fn the_box_fits_and_the_scale_follows_the_zoom() {
        let f = Frame::fit([13.0, 60.0, 16.0, 62.0], 1024, 768, 1.0).unwrap();
        let [w, s, e, n] = f.bbox();
        assert!(w <= 13.0 + 1e-9 && s <= 60.0 + 1e-9 && e >= 16.0 - 1e-9 && n >= 62.0 - 1e-9);
        let again = Frame::at([14.5, 61.0], f.zoom(), 1024, 768, 2.0).unwrap();
        // Twice the device pixels, the same ground per CSS pixel.
        assert!((again.metres_per_pixel() / f.metres_per_pixel() - 1.0).abs() < 0.01);
        // About 0.3 km per pixel: 3° of longitude at 61° N is 162 km over ~ 600 px.
        assert!(
            (150.0..400.0).contains(&f.metres_per_pixel()),
            "{}",
            f.metres_per_pixel()
        );
    }
}
