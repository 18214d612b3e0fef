//! A saved view for a meeting without a browser: its map as an image with the analysis it
//! shows, and the meeting report ("mötesunderlag"), one A4 page with the map, legend, key
//! figures, sources and the network note ([`pdf`]).
//!
//! The HTTP routes (`api::render`) and the CLI (`kartrum render --view`, `kartrum report`)
//! both go through [`Meeting`].

pub mod figures;
pub mod pdf;

use std::sync::Arc;

use crate::analysis::{AnalysisCache, AnalysisError};
use crate::profile::RegionProfile;
use crate::render::{Frame, MapLayer, MapSpec, Picture, RenderError, Renderer};
use crate::store::Catalog;
use crate::views::View;
use figures::Figures;
use pdf::{MapImage, PdfError, ReportPage};

/// The window a view is saved from, in CSS pixels: an image of another size shows the same
/// part of the map, zoomed to fit.
pub const VIEW_WINDOW: (u32, u32) = (1280, 800);
/// Below this size (CSS pixels) a view's image is a thumbnail, drawn without labels, scale
/// bar, north arrow, legend and attribution.
pub const THUMBNAIL: (u32, u32) = (320, 200);
/// The report's map: CSS pixels and device pixel ratio (sharp in print at its ~17 cm width).
pub const REPORT_MAP: (u32, u32, f64) = (900, 640, 2.0);

/// The report's subtitle: what it is and its date, e.g. "Mötesunderlag · 2 december 2026".
///
/// ```
/// let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
/// assert_eq!(kartrummet::report::subtitle(day), "Mötesunderlag · 2 december 2026");
/// ```
pub fn subtitle(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ];
    format!(
        "Mötesunderlag · {} {} {}",
        day.day(),
        MONTHS[day.month0() as usize],
        day.year()
    )
}

/// Errors of a view's image or report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The map could not be drawn.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The view's analysis could not be run.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The PDF could not be written.
    #[error(transparent)]
    Pdf(#[from] PdfError),
}

/// What a view's image and report are made from.
pub struct Meeting<'a> {
    /// The map renderer.
    pub renderer: &'a Renderer,
    /// Networks and units of analyses.
    pub cache: &'a AnalysisCache,
    /// The layers the caller may see.
    pub catalog: &'a Catalog,
    /// The region profile as the caller may see it.
    pub profile: &'a RegionProfile,
    /// The CRS analyses run in.
    pub analysis_crs: &'a str,
}

impl Meeting<'_> {
    /// The view's map at this size, with its analysis result on top and, with `legend`, its
    /// legend in the corner; also the figures.
    pub fn map(
        &self,
        view: &View,
        (width, height, dpr): (u32, u32, f64),
        legend: bool,
    ) -> Result<(Picture, Option<Figures>), ReportError> {
        let fit = (f64::from(width) / f64::from(VIEW_WINDOW.0))
            .min(f64::from(height) / f64::from(VIEW_WINDOW.1));
        let zoom = (view.camera.zoom + fit.log2()).clamp(0.0, 22.0);
        let frame =
            Frame::at(view.camera.center, zoom, width, height, dpr).map_err(RenderError::from)?;
        let figures = figures::service_access(
            self.cache,
            self.catalog,
            &self.profile.analysis,
            &view.analysis,
            self.analysis_crs,
        )?;
        let mut layers: Vec<MapLayer> = view
            .layers
            .iter()
            .map(|l| MapLayer {
                id: l.id.clone(),
                opacity: l.opacity,
                style: l.style.clone(),
            })
            .collect();
        let mut extra = Vec::new();
        if let Some(f) = &figures {
            layers.push(MapLayer {
                id: f.layer.meta.id.clone(),
                opacity: 1.0,
                style: serde_json::Value::Null,
            });
            extra.push(Arc::clone(&f.layer));
        }
        // A thumbnail is the map alone: text and symbols would hide it.
        let decorations = width >= THUMBNAIL.0 && height >= THUMBNAIL.1;
        let spec = MapSpec {
            frame,
            layers,
            basemap: true,
            decorations,
            legend,
            title: None,
        };
        let picture = self
            .renderer
            .draw(self.catalog, self.profile, &spec, &extra)?;
        Ok((picture, figures))
    }

    /// The meeting report of the view: one A4 landscape page; `subtitle` says where and when.
    pub fn report(&self, view: &View, subtitle: &str) -> Result<Vec<u8>, ReportError> {
        // The page has the legend beside the map.
        let (picture, figures) = self.map(view, REPORT_MAP, false)?;
        let rgb: Vec<u8> = picture
            .pixmap
            .pixels()
            .iter()
            .flat_map(|p| {
                let c = p.demultiply();
                [c.red(), c.green(), c.blue()]
            })
            .collect();
        let mut notes = Vec::new();
        if let Some(f) = &figures {
            notes.push(format!("Nätverk: {}", f.network_note));
        }
        let page = ReportPage {
            title: &view.title,
            subtitle,
            map: MapImage {
                width: picture.pixmap.width(),
                height: picture.pixmap.height(),
                rgb: &rgb,
            },
            legend: &picture.legend,
            figures: figures.as_ref().map(|f| &f.table),
            sources: &picture.sources,
            notes: &notes,
        };
        Ok(pdf::write(&page)?)
    }
}
