//! maplibre-rs, headless, on a thread of its own: fills one square piece of a map at a time.
//!
//! maplibre-rs 0.0.3 draws the polygons of one vector tile into a square window with opaque
//! fills, 4× multisampled, and has no way to read the image back but to a file. So this
//! module keeps its own session, as [`maplibre::headless::map::HeadlessMap`] does but with the
//! style swapped per piece, and maps the surface buffer after each frame.
//!
//! **Coverage for free.** Each colour is given to maplibre-rs with alpha 0 on the white,
//! opaque clear colour; without blending, the multisample resolve averages covered samples
//! `(r, g, b, 0)` with uncovered `(1, 1, 1, 1)`. The alpha read back is thus 1 − coverage,
//! and `rgb − alpha`, `1 − alpha` is the piece premultiplied with its anti-aliased coverage,
//! ready to lay over other passes ([`super::compose`]).
//!
//! maplibre-rs builds its map from `Rc`s, so the session lives on one thread; [`Gpu`] sends it
//! pieces over a channel and waits for the pixels.

use std::collections::HashSet;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::{Mutex, mpsc};

use maplibre::context::MapContext;
use maplibre::coords::{TILE_SIZE, WorldCoords, WorldTileCoords, Zoom, ZoomLevel};
use maplibre::headless::HeadlessPlugin;
use maplibre::headless::environment::HeadlessEnvironment;
use maplibre::headless::map::HeadlessContext;
use maplibre::headless::window::HeadlessMapWindowConfig;
use maplibre::io::apc::SchedulerAsyncProcedureCall;
use maplibre::kernel::{Kernel, KernelBuilder};
use maplibre::platform::http_client::ReqwestHttpClient;
use maplibre::platform::scheduler::TokioScheduler;
use maplibre::plugin::Plugin;
use maplibre::render::eventually::Eventually;
use maplibre::render::resource::Head;
use maplibre::render::settings::{Backends, RendererSettings, WgpuSettings};
use maplibre::render::{RenderPlugin, Renderer};
use maplibre::schedule::{Schedule, Stage};
use maplibre::style::Style;
use maplibre::style::layer::{FillPaint, LayerPaint, StyleLayer};
use maplibre::tcs::world::World;
use maplibre::vector::{
    AvailableVectorLayerData, DefaultVectorTransferables, LayerTessellated, ProcessVectorContext,
    VectorBufferPool, VectorLayerData, VectorLayersDataComponent, VectorPlugin, VectorTileRequest,
    VectorTransferables, process_vector_tile,
};
use maplibre::view_state::ViewState;
use maplibre::window::{MapWindowConfig, WindowSize};

/// Side of a piece in pixels: the size of maplibre-rs's window.
pub const PIECE: u32 = 512;

/// Errors of the GPU thread.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GpuError {
    /// No Vulkan device could be created (no driver, no adapter), or the thread is gone.
    #[error("no Vulkan device for maplibre-rs: {0}")]
    Unavailable(String),
    /// maplibre-rs failed on a piece.
    #[error("maplibre-rs could not draw a piece: {0}")]
    Draw(String),
}

/// One piece to fill: a vector tile whose layers `0`, `1`, … are drawn in that order, each in
/// its colour.
struct Job {
    tile: Vec<u8>,
    colours: Vec<[u8; 3]>,
    reply: mpsc::Sender<Result<Vec<u8>, GpuError>>,
}

/// The handle of the GPU thread: started once, shared by all renders, which it serves one
/// piece at a time.
pub struct Gpu {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    status: Result<String, GpuError>,
}

impl Gpu {
    /// Starts the thread and waits until maplibre-rs has a device or has failed to get one.
    pub fn start() -> Self {
        let (jobs, receiver) = mpsc::channel::<Job>();
        let (ready, started) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("maplibre-rs".into())
            .spawn(move || serve(receiver, ready));
        let status = match spawned {
            Ok(_) => started
                .recv()
                .unwrap_or_else(|_| Err(GpuError::Unavailable("the thread ended".into()))),
            Err(e) => Err(GpuError::Unavailable(e.to_string())),
        };
        Self {
            jobs: Mutex::new(status.is_ok().then_some(jobs)),
            status,
        }
    }

    /// The device maplibre-rs draws with (e.g. "llvmpipe (LLVM 15.0.6, 256 bits) on Vulkan"), or
    /// why there is none.
    pub fn status(&self) -> Result<&str, GpuError> {
        self.status.as_deref().map_err(Clone::clone)
    }

    /// Fills a piece: `tile` is an MVT of extent 4096 over the whole piece with layers named
    /// `0`, `1`, … drawn in that order in `colours`. Gives the piece as premultiplied RGBA,
    /// row by row, [`PIECE`]² pixels, transparent where nothing is drawn.
    pub fn draw(&self, tile: Vec<u8>, colours: Vec<[u8; 3]>) -> Result<Vec<u8>, GpuError> {
        self.status()?;
        let (reply, answer) = mpsc::channel();
        let sent = self.jobs.lock().ok().and_then(|jobs| {
            jobs.as_ref()?
                .send(Job {
                    tile,
                    colours,
                    reply,
                })
                .ok()
        });
        let gone = || GpuError::Unavailable("the maplibre-rs thread ended".into());
        sent.ok_or_else(gone)?;
        answer.recv().map_err(|_| gone())?
    }
}

/// The thread: makes the session, says how that went, then fills pieces until the handle goes.
fn serve(jobs: mpsc::Receiver<Job>, ready: mpsc::Sender<Result<String, GpuError>>) {
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(GpuError::Unavailable(e.to_string())));
            return;
        }
    };
    let mut session = match runtime.block_on(Session::new()) {
        Ok(session) => session,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(session.device()));
    for job in jobs {
        // A panic inside maplibre-rs fails this piece, not the server.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            session.draw(&job.tile, &job.colours)
        }))
        .unwrap_or_else(|_| Err(GpuError::Draw("maplibre-rs panicked".into())));
        let _ = job.reply.send(result);
    }
}

/// maplibre-rs's map, as `HeadlessMap` keeps it, with the style ours to change.
struct Session {
    schedule: Schedule,
    context: MapContext,
    _kernel: Rc<Kernel<HeadlessEnvironment>>,
}

impl Session {
    /// A session on the first Vulkan adapter (Mesa's software driver, lavapipe, on a server).
    async fn new() -> Result<Self, GpuError> {
        let size = WindowSize::new(PIECE, PIECE)
            .ok_or_else(|| GpuError::Unavailable("no window size".into()))?;
        let kernel: Kernel<HeadlessEnvironment> = KernelBuilder::new()
            .with_map_window_config(HeadlessMapWindowConfig::new(size))
            .with_http_client(ReqwestHttpClient::new(None))
            .with_apc(SchedulerAsyncProcedureCall::new(TokioScheduler::new()))
            .with_scheduler(TokioScheduler::new())
            .build();
        let window = kernel.map_window_config().create();
        // Vulkan only: the GL backend would look for a display a server does not have.
        let settings = WgpuSettings {
            backends: Some(Backends::VULKAN),
            ..WgpuSettings::default()
        };
        let mut renderer =
            Renderer::initialize_headless(&window, settings, RendererSettings::default())
                .await
                .map_err(|e| GpuError::Unavailable(format!("{e:?}")))?;
        let kernel = Rc::new(kernel);
        let mut world = World::default();
        let mut schedule = Schedule::default();
        let plugins: Vec<Box<dyn Plugin<HeadlessEnvironment>>> = vec![
            Box::new(RenderPlugin),
            Box::new(VectorPlugin::<DefaultVectorTransferables>::default()),
            Box::new(HeadlessPlugin::new(false)),
        ];
        for plugin in &plugins {
            plugin.build(
                &mut schedule,
                Rc::clone(&kernel),
                &mut world,
                &mut renderer.render_graph,
            );
        }
        let view_state = ViewState::new(
            renderer.state().surface().size(),
            WorldCoords::from((TILE_SIZE / 2., TILE_SIZE / 2.)),
            Zoom::default(),
            cgmath::Deg(0.0),
            cgmath::Deg(110.0),
        );
        Ok(Self {
            schedule,
            context: MapContext {
                style: Style::default(),
                view_state,
                world,
                renderer,
            },
            _kernel: kernel,
        })
    }

    /// The adapter's name and backend.
    fn device(&self) -> String {
        let info = self.context.renderer.adapter.get_info();
        format!("{} on {:?}", info.name, info.backend)
    }

    /// Draws one piece and reads it back.
    fn draw(&mut self, tile: &[u8], colours: &[[u8; 3]]) -> Result<Vec<u8>, GpuError> {
        let names: Vec<String> = (0..colours.len()).map(|i| i.to_string()).collect();
        self.context.style = piece_style(&names, colours);
        let layers = tessellate(tile, &names)?;
        let tiles = &mut self.context.world.tiles;
        tiles
            .spawn_mut((0, 0, ZoomLevel::default()).into())
            .ok_or_else(|| GpuError::Draw("no tile slot".into()))?
            .insert(VectorLayersDataComponent {
                done: true,
                layers: layers
                    .into_iter()
                    .map(|layer| {
                        VectorLayerData::Available(AvailableVectorLayerData {
                            coords: layer.coords,
                            source_layer: layer.layer_data.name,
                            buffer: layer.buffer,
                            feature_indices: layer.feature_indices,
                        })
                    })
                    .collect(),
            });
        self.schedule.run(&mut self.context);
        let world = &mut self.context.world;
        world.tiles.clear();
        if let Some(Eventually::Initialized(pool)) = world
            .resources
            .query_mut::<&mut Eventually<VectorBufferPool>>()
        {
            pool.clear();
        }
        self.read_back()
    }

    /// The surface as premultiplied RGBA (see the module's note on coverage).
    fn read_back(&self) -> Result<Vec<u8>, GpuError> {
        let renderer = &self.context.renderer;
        let Head::Headless(texture) = renderer.resources.surface().head() else {
            return Err(GpuError::Draw("no headless surface".into()));
        };
        let slice = texture.map_async(&renderer.device);
        let mapped = slice.get_mapped_range();
        let row = PIECE as usize * 4;
        let padded = texture.bytes_per_row().get() as usize;
        let mut pixels = Vec::with_capacity(row * PIECE as usize);
        for line in mapped.chunks(padded).take(PIECE as usize) {
            for px in line[..row].chunks_exact(4) {
                let uncovered = px[3];
                pixels.extend_from_slice(&[
                    px[0].saturating_sub(uncovered),
                    px[1].saturating_sub(uncovered),
                    px[2].saturating_sub(uncovered),
                    255 - uncovered,
                ]);
            }
        }
        drop(mapped);
        texture.unmap();
        Ok(pixels)
    }
}

/// A style with one fill layer per colour, in order; alpha 0 makes coverage readable. Style
/// layer index 0 is never drawn by maplibre-rs 0.0.3, so indices start at 1.
fn piece_style(names: &[String], colours: &[[u8; 3]]) -> Style {
    let layers = names
        .iter()
        .zip(colours)
        .enumerate()
        .map(|(i, (name, [r, g, b]))| StyleLayer {
            index: i as u32 + 1,
            id: name.clone(),
            paint: Some(LayerPaint::Fill(FillPaint {
                fill_color: Some(csscolorparser::Color::from_rgba8(*r, *g, *b, 0)),
            })),
            source_layer: Some(name.clone()),
            ..StyleLayer::default()
        })
        .collect();
    Style {
        layers,
        ..Style::default()
    }
}

type Tessellated = <DefaultVectorTransferables as VectorTransferables>::LayerTessellated;

/// The tile's layers tessellated by maplibre-rs, as `HeadlessMap::process_tile` does.
fn tessellate(tile: &[u8], names: &[String]) -> Result<Vec<Tessellated>, GpuError> {
    let mut processor = ProcessVectorContext::<DefaultVectorTransferables, HeadlessContext>::new(
        HeadlessContext::default(),
    );
    let request = VectorTileRequest {
        coords: WorldTileCoords::default(),
        layers: names.iter().cloned().collect::<HashSet<_>>(),
    };
    process_vector_tile(tile, request, &mut processor)
        .map_err(|e| GpuError::Draw(format!("{e:?}")))?;
    let messages = processor.take_context().messages.deref().take();
    Ok(messages
        .into_iter()
        .filter(|m| m.tag() == Tessellated::message_tag())
        .map(|m| *m.into_transferable::<Tessellated>())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::encode::{LayerEncoder, TileGeometry, encode_tile};

    /// The tile's units map onto the piece's pixels: a square over the top-left quarter
    /// (MVT y down) fills exactly the top-left quarter, in its colour, fully covered.
    #[test]
    fn a_tile_fills_its_piece() {
        let gpu = Gpu::start();
        if let Err(e) = gpu.status() {
            panic!("{e}");
        }
        let mut layer = LayerEncoder::new("0", 4096);
        let ring = vec![[0, 0], [0, 2048], [2048, 2048], [2048, 0]];
        let ring = crate::tiles::simplify::orient(ring, true);
        layer.add_feature(None, &TileGeometry::Polygons(vec![ring]), []);
        let pixels = gpu
            .draw(encode_tile(vec![layer]), vec![[200, 30, 10]])
            .unwrap();
        let at = |x: u32, y: u32| {
            let i = ((y * PIECE + x) * 4) as usize;
            [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]]
        };
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
        for y in 0..PIECE {
            for x in 0..PIECE {
                if at(x, y)[3] > 127 {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
            }
        }
        eprintln!(
            "covered {x0},{y0} – {x1},{y1}; centre {:?}; corner {:?}",
            at(100, 100),
            at(PIECE - 1, PIECE - 1)
        );
        assert_eq!((x0, y0, x1, y1), (0, 0, PIECE / 2 - 1, PIECE / 2 - 1));
        assert_eq!(at(PIECE / 4, PIECE / 4), [200, 30, 10, 255]);
        assert_eq!(at(PIECE * 3 / 4, PIECE / 4), [0, 0, 0, 0]);
    }
}
