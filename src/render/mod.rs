//! Map images drawn on the server with maplibre-rs: the layers as the web map styles them,
//! with labels, scale bar, north arrow, legend and attribution on top.
//!
//! How an image is made:
//!
//! - [`frame`]: where and how large (a WGS84 box or a view's camera; bounded sizes);
//! - [`style`]: each layer's look at the image's zoom, from [`palette`] (the web's colours);
//! - [`scene`]: each layer as passes of polygons in pixels (lines stroked, dots as discs);
//! - [`pieces`] and [`gpu`]: maplibre-rs fills each pass, 512 px square by square, on its own
//!   thread, through Mesa's software Vulkan driver on a server;
//! - [`compose`]: passes laid over the background at their opacity (tiny-skia);
//! - [`overlay`]: what maplibre-rs cannot draw (text and symbols), with [`legend`] and
//!   [`sources`] saying what the map shows and where its data comes from.
//!
//! Nothing here knows of HTTP; `api::render` and the CLI call [`Renderer::draw`].

pub mod compose;
pub mod frame;
pub mod gpu;
pub mod legend;
pub mod overlay;
pub mod palette;
pub mod pieces;
pub mod scene;
pub mod sources;
pub mod style;

use std::sync::Arc;

use serde_json::Value as Json;

use crate::analysis::budget::{self, BudgetError};
use crate::layer::{Layer, Value};
use crate::profile::RegionProfile;
use crate::store::Catalog;
pub use frame::{Frame, FrameError};
pub use gpu::GpuError;
use legend::LegendSection;
use overlay::{Decorations, PlaceLabel};
use style::Look;

/// Most layers one image may draw.
pub const MAX_LAYERS: usize = 20;

/// Errors of drawing a map.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The frame is out of bounds.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The list of layers is empty, too long or names one twice.
    #[error("{0}")]
    Layers(String),
    /// No layer with this id.
    #[error("no layer {0:?}")]
    UnknownLayer(String),
    /// maplibre-rs has no device, or failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// The work's budget ran out (time, memory, or the client left).
    #[error(transparent)]
    Budget(#[from] BudgetError),
    /// The image could not be encoded.
    #[error("could not encode the image as PNG: {0}")]
    Encode(String),
}

/// One layer of an image: its id, opacity (0–1) and style as a view saves it (`null`: the
/// default look).
#[derive(Debug, Clone, PartialEq)]
pub struct MapLayer {
    /// Layer id, in the catalog or among the extra layers of [`Renderer::draw`].
    pub id: String,
    /// Opacity 0–1.
    pub opacity: f64,
    /// The web map's style of the layer, or `null`.
    pub style: Json,
}

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct MapSpec {
    /// Where, how large.
    pub frame: Frame,
    /// The layers, bottom to top.
    pub layers: Vec<MapLayer>,
    /// Whether to draw the region's own basemap (its profile's `[map.basemap]`) below.
    pub basemap: bool,
    /// Whether to draw labels, scale bar, north arrow and attribution.
    pub decorations: bool,
    /// Whether to draw the legend too (with the decorations).
    pub legend: bool,
    /// A title in the top left corner.
    pub title: Option<String>,
}

impl MapSpec {
    /// The layers of a comma-separated list (`a,b,c`, bottom to top), each at full opacity in
    /// its default look.
    pub fn layer_list(list: &str) -> Result<Vec<MapLayer>, RenderError> {
        let ids: Vec<&str> = list.split(',').map(str::trim).collect();
        let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        if ids.iter().any(|id| id.is_empty()) || unique.len() != ids.len() || ids.len() > MAX_LAYERS
        {
            return Err(RenderError::Layers(format!(
                "layers must be 1–{MAX_LAYERS} layer ids separated by commas, each once; got {list:?}"
            )));
        }
        Ok(ids
            .into_iter()
            .map(|id| MapLayer {
                id: id.into(),
                opacity: 1.0,
                style: Json::Null,
            })
            .collect())
    }
}

/// A drawn map: the image and the legend of what it shows.
pub struct Picture {
    /// The image, premultiplied RGBA.
    pub pixmap: tiny_skia::Pixmap,
    /// The legend, a section per drawn layer, top layer first.
    pub legend: Vec<LegendSection>,
    /// Where the data comes from.
    pub sources: Vec<String>,
}

impl Picture {
    /// The image as PNG.
    pub fn png(&self) -> Result<Vec<u8>, RenderError> {
        self.pixmap
            .encode_png()
            .map_err(|e| RenderError::Encode(e.to_string()))
    }
}

/// The renderer: maplibre-rs's thread, started on first use.
#[derive(Default)]
pub struct Renderer {
    gpu: std::sync::OnceLock<gpu::Gpu>,
}

impl Renderer {
    /// The device images are drawn with, or why there is none (then every draw answers
    /// [`RenderError::Gpu`]). The first call starts maplibre-rs and waits for it.
    pub fn status(&self) -> Result<&str, GpuError> {
        self.gpu().status()
    }

    fn gpu(&self) -> &gpu::Gpu {
        self.gpu.get_or_init(gpu::Gpu::start)
    }

    /// Draws `spec` from `catalog`, where `extra` holds layers not in it (e.g. an analysis
    /// result made for this image); the profile names the basemap's layers.
    pub fn draw(
        &self,
        catalog: &Catalog,
        profile: &RegionProfile,
        spec: &MapSpec,
        extra: &[Arc<Layer>],
    ) -> Result<Picture, RenderError> {
        self.status()?;
        let frame = &spec.frame;
        let zoom = frame.zoom();
        let find = |id: &str| {
            extra
                .iter()
                .find(|l| l.meta.id == id)
                .or_else(|| catalog.get(id))
                .cloned()
                .ok_or_else(|| RenderError::UnknownLayer(id.to_string()))
        };
        let layers = spec
            .layers
            .iter()
            .map(|l| Ok((find(&l.id)?, l)))
            .collect::<Result<Vec<_>, RenderError>>()?;
        let mut looks: Vec<(Arc<Layer>, Look)> = Vec::new();
        let basemap: Vec<(&str, Arc<Layer>)> = if spec.basemap {
            profile
                .map
                .basemap
                .iter()
                .filter_map(|(role, id)| Some((role.as_str(), catalog.get(id)?.clone())))
                .collect()
        } else {
            Vec::new()
        };
        for role in ["land", "urban", "water", "rail", "borders"] {
            for (_, layer) in basemap.iter().filter(|(r, _)| *r == role) {
                if let Some(look) = Look::basemap(layer, role, zoom) {
                    looks.push((layer.clone(), look));
                }
            }
        }
        let first_own = looks.len();
        for (i, (layer, l)) in layers.iter().enumerate() {
            looks.push((layer.clone(), Look::of(layer, &l.style, l.opacity, i, zoom)));
        }
        let (width, height) = frame.device_size();
        // The canvas, one pass and its pieces' copy.
        budget::charge(
            "the map image",
            u64::from(width) * u64::from(height) * 4 * 3,
        )?;
        let mut canvas = compose::canvas(width, height)?;
        for (layer, look) in &looks {
            for pass in scene::passes(frame, layer, look) {
                let pixels = pieces::draw(self.gpu(), &pass, width, height)?;
                compose::lay(&mut canvas, pixels, pass.opacity)?;
            }
        }
        let legend: Vec<LegendSection> = looks[first_own..]
            .iter()
            .rev()
            .map(|(_, l)| l.legend.clone())
            .collect();
        let sources = sources::attribution(looks.iter().map(|(l, _)| &l.meta));
        if spec.decorations {
            let labels = place_labels(frame, profile, &basemap);
            let attribution = if sources.is_empty() {
                String::new()
            } else {
                format!("Källor: {}", sources.join(", "))
            };
            let decorations = Decorations {
                title: spec.title.as_deref(),
                labels: &labels,
                legend: if spec.legend { &legend } else { &[] },
                attribution: &attribution,
                metres_per_pixel: Some(frame.metres_per_pixel()),
                north_arrow: true,
            };
            overlay::draw(&mut canvas, frame.dpr as f32, &decorations);
        }
        Ok(Picture {
            pixmap: canvas,
            legend,
            sources,
        })
    }
}

/// The names of the basemap's places in the frame, the ones the web map shows at its zoom.
fn place_labels(
    frame: &Frame,
    profile: &RegionProfile,
    basemap: &[(&str, Arc<Layer>)],
) -> Vec<PlaceLabel> {
    let Some((_, places)) = basemap.iter().find(|(role, _)| *role == "places") else {
        return Vec::new();
    };
    let towns = profile
        .analysis
        .towns
        .as_ref()
        .filter(|t| t.layer == places.meta.id);
    let name = places.field_index(
        towns
            .and_then(|t| t.name_field.as_deref())
            .unwrap_or("name"),
    );
    let population = towns.and_then(|t| places.field_index(t.population.as_deref()?));
    let Some(name) = name else { return Vec::new() };
    let zoom = frame.zoom();
    // The web map's steps: the larger places first as one zooms in.
    let least = [
        (5.5, 40_000.0),
        (7.0, 10_000.0),
        (8.5, 2_500.0),
        (10.0, 500.0),
    ]
    .iter()
    .find(|(z, _)| zoom < *z)
    .map_or(0.0, |(_, p)| *p);
    places
        .display_candidates(frame.bbox())
        .into_iter()
        .filter_map(|i| {
            let f = &places.features[i];
            let Value::Str(text) = f.properties.get(name)? else {
                return None;
            };
            let pop = population
                .and_then(|p| f.properties.get(p)?.as_f64())
                .unwrap_or(0.0);
            let geo::Geometry::Point(p) = &f.display else {
                return None;
            };
            (pop >= least).then(|| {
                let (x, y) = frame.project(p.x(), p.y());
                PlaceLabel {
                    text: text.clone(),
                    x: (x / frame.dpr) as f32,
                    y: (y / frame.dpr) as f32,
                    population: pop,
                }
            })
        })
        .collect()
}
