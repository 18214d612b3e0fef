//! The `kartrum` command line: `serve`, `ingest`, `layers`, `export-pmtiles`, `analyze`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::access::Access;
use crate::analysis::AnalysisCache;
use crate::analysis::rural::{self, ClassRule, RuralRequest};
use crate::analysis::service_access::{
    self, AccessRequest, AreaSpec, Bands, DemandSpec, Mode, SupplySpec, Unit,
};
use crate::analysis::towns::TownSpec;
use crate::api::{self, AppState};
use crate::config::{Config, ConfigFile, DEFAULT_MAX_UPLOAD_MB};
use crate::crs::DEFAULT_ANALYSIS_CRS;
use crate::demo;
use crate::ingest::{self, IngestOptions, Progress};
use crate::network::SnapSettings;
use crate::profile::RegionProfile;
use crate::render;
use crate::report::Meeting;
use crate::scenarios::Scenarios;
use crate::store::Store;
use crate::tiles;
use crate::views::Views;

/// Kartrummet: tar kartan till mötet.
#[derive(Debug, Parser)]
#[command(name = "kartrum", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct StoreArgs {
    /// Data directory of the layer store.
    #[arg(long, env = "KARTRUM_DATA_DIR", default_value = "kartrum-data")]
    data_dir: PathBuf,
    /// Configuration file (TOML: token, analysis_crs, max_upload_mb, basemap_url, public_url,
    /// [tiles.*], [limits.*]).
    #[arg(long, env = "KARTRUM_CONFIG")]
    config: Option<PathBuf>,
    /// Region profile: a TOML file whose [analysis] and [map] sections name the region's
    /// layers (a configuration file or demo manifest will do). Default: the configuration
    /// file's sections, else (serve) the demo manifest's.
    #[arg(long, env = "KARTRUM_PROFILE")]
    profile: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the web map.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Port to listen on (0 picks a free one).
        #[arg(long, env = "KARTRUM_PORT", default_value_t = 8080)]
        port: u16,
        /// Address to listen on.
        #[arg(long, env = "KARTRUM_HOST", default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Before serving, ingest the layers of this demo manifest that the store lacks.
        #[arg(long)]
        demo: Option<PathBuf>,
        /// Folder of the web app.
        #[arg(long, env = "KARTRUM_WEB_DIR", default_value = "web")]
        web_dir: PathBuf,
    },
    /// Ingest a file (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, KML, CSV, OSM) into the store.
    Ingest {
        #[command(flatten)]
        store: StoreArgs,
        /// The file, a Shapefile folder, or a .zip.
        file: PathBuf,
        /// Layer id (default: the file name).
        #[arg(long)]
        layer: Option<String>,
        /// Title.
        #[arg(long)]
        title: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Only this layer of a multi-layer file.
        #[arg(long)]
        source_layer: Option<String>,
        /// CRS of the coordinates, e.g. EPSG:3006 (needed when the file names none).
        #[arg(long)]
        crs: Option<String>,
        /// CSV column with x (east or longitude).
        #[arg(long, requires = "y_field")]
        x_field: Option<String>,
        /// CSV column with y (north or latitude).
        #[arg(long, requires = "x_field")]
        y_field: Option<String>,
    },
    /// List the layers in the store.
    Layers {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write layers as vector tiles to a PMTiles v3 archive (for MapLibre's pmtiles protocol).
    ExportPmtiles {
        #[command(flatten)]
        store: StoreArgs,
        /// Layer ids, separated by commas.
        #[arg(long)]
        layers: String,
        /// Lowest zoom to write.
        #[arg(long, default_value_t = 0)]
        minzoom: u8,
        /// Highest zoom to write.
        #[arg(long, default_value_t = crate::tiles::DEFAULT_MAX_ZOOM)]
        maxzoom: u8,
        /// The archive to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Draw a map image (PNG) of layers over a box, or of a saved view, with maplibre-rs.
    Render(RenderArgs),
    /// Write the meeting report (one A4 landscape PDF page) of a saved view.
    Report {
        #[command(flatten)]
        store: StoreArgs,
        /// The view's id.
        #[arg(long)]
        view: String,
        /// The PDF to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run an analysis on the store's layers.
    Analyze {
        #[command(subcommand)]
        analysis: Analysis,
    },
}

#[derive(Debug, Subcommand)]
enum Analysis {
    /// Service access: how far residents live from the nearest service, per unit and area.
    ServiceAccess(ServiceAccessArgs),
    /// Rural distance classes: time and distance to the nearest tätort of N+ inhabitants,
    /// tätort / tätortsnära landsbygd / glesbygd per unit and municipality.
    Rural(RuralArgs),
}

#[derive(Debug, Args)]
struct RenderArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Layer ids, bottom to top, separated by commas (with --bbox).
    #[arg(long, requires = "bbox", conflicts_with = "view")]
    layers: Option<String>,
    /// The box to show: west,south,east,north in WGS84.
    #[arg(long, requires = "layers")]
    bbox: Option<String>,
    /// A saved view to draw instead, with its analysis.
    #[arg(long, required_unless_present = "layers")]
    view: Option<String>,
    /// Width in CSS pixels.
    #[arg(long, default_value_t = 1024)]
    width: u32,
    /// Height in CSS pixels.
    #[arg(long, default_value_t = 768)]
    height: u32,
    /// Device pixels per CSS pixel.
    #[arg(long, default_value_t = 1.0)]
    dpr: f64,
    /// Leave out the region's own basemap.
    #[arg(long)]
    no_basemap: bool,
    /// The PNG to write.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct RuralArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    layers: ProfileLayers,
    /// Tätort layer: points or polygons (default the profile's towns).
    #[arg(long)]
    towns: Option<String>,
    /// Population field of the tätort layer (default pop, BEF, …).
    #[arg(long)]
    towns_population: Option<String>,
    /// Tätort sizes N, e.g. `200,1000,3000,50000`.
    #[arg(long, value_delimiter = ',', default_value = "200,1000,3000,50000")]
    thresholds: Vec<f64>,
    /// Tätort size of the class rule.
    #[arg(long, default_value_t = 3000.0)]
    class_size: f64,
    /// Minutes of the class rule (tätortsnära landsbygd at most this far).
    #[arg(long, default_value_t = 45.0)]
    class_minutes: f64,
    /// Write the per-area table as JSON to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Commit the per-unit results as a layer with this id.
    #[arg(long)]
    store_layer: Option<String>,
}

/// The layers an analysis takes from the region profile (`--profile`, the configuration
/// file's `[analysis]`) unless given here.
#[derive(Debug, Args)]
struct ProfileLayers {
    /// Line layer of the network (default the profile's).
    #[arg(long)]
    network: Option<String>,
    /// Demand layer, points or polygons (default the profile's).
    #[arg(long, requires = "population")]
    demand: Option<String>,
    /// Numeric population field of the demand layer.
    #[arg(long, requires = "demand")]
    population: Option<String>,
    /// Polygon layer to aggregate per (default the profile's areas).
    #[arg(long, conflicts_with = "no_areas")]
    areas: Option<String>,
    /// No per-area table, totals only (even when the profile names areas).
    #[arg(long)]
    no_areas: bool,
}

impl ProfileLayers {
    /// The demand given, if any.
    fn demand(&self) -> Option<DemandSpec> {
        self.demand
            .clone()
            .zip(self.population.clone())
            .map(|(layer, population)| DemandSpec { layer, population })
    }

    /// The areas: none when asked, those given, else left to the profile.
    fn areas(&self, unit_code_field: Option<String>) -> Option<Option<AreaSpec>> {
        if self.no_areas {
            return Some(None);
        }
        self.areas.clone().map(|layer| {
            Some(AreaSpec {
                unit_code_field,
                ..AreaSpec::of_layer(layer)
            })
        })
    }
}

#[derive(Debug, Args)]
struct ServiceAccessArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    layers: ProfileLayers,
    /// A service kind of the region profile (e.g. `grocery`); repeat for several. Without
    /// --kind and --supply, every kind of the profile.
    #[arg(long)]
    kind: Vec<String>,
    /// A service layer, `NAME=LAYER` or `NAME=LAYER:FIELD=VALUE[,FIELD=VALUE]`; repeat for
    /// several, e.g. `--supply grocery=butiker:category=grocery`.
    #[arg(long)]
    supply: Vec<String>,
    /// Demand field with the code of each unit's area (e.g. kommunkod), matched against the
    /// areas' codes; default kommunkod, mun_code or KOMMUNKOD when present; "" joins units
    /// to the area their point lies in.
    #[arg(long, requires = "areas")]
    unit_code_field: Option<String>,
    /// Band breaks, e.g. `5,10,20,30`.
    #[arg(long, value_delimiter = ',', default_value = "5,10,20,30")]
    bands: Vec<f64>,
    /// Unit of bands and threshold: min or km.
    #[arg(long, default_value = "min")]
    unit: String,
    /// Report the population beyond this (default the last break).
    #[arg(long)]
    threshold: Option<f64>,
    /// Measure straight-line distance instead of along the network (needs --unit km).
    #[arg(long)]
    straight_line: bool,
    /// Maximum distance from a point to the network (metres).
    #[arg(long, default_value_t = SnapSettings::default().max_distance_m)]
    max_snap_m: f64,
    /// Speed on the connector between a point and the network (km/h).
    #[arg(long, default_value_t = SnapSettings::default().connector_speed_kmh)]
    connector_kmh: f64,
    /// Folder for NAME_areas.csv and NAME_units.csv per kind.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Commit each kind's per-unit results as layer `sa_NAME`.
    #[arg(long)]
    store_layers: bool,
}

/// Runs the command line; the error is printed by `main` with a non-zero exit.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            store,
            port,
            host,
            demo,
            web_dir,
        } => {
            let file = read_config(&store)?;
            let opened = open_store(&store, &file)?;
            if let Some(manifest) = &demo {
                let reports = demo::load_missing(&opened, manifest, &mut progress_bars())?;
                for report in reports {
                    eprint!("{report}");
                }
            }
            let profile = region_profile(&store, &file, demo.as_deref())?;
            let token = std::env::var("KARTRUM_TOKEN")
                .ok()
                .filter(|t| !t.is_empty())
                .or(file.token);
            let read_tokens = std::env::var("KARTRUM_READ_TOKENS").ok();
            let access = Access::new(file.access, read_tokens.as_deref(), token.as_deref())?;
            let config = Config {
                host,
                port,
                token,
                max_upload_bytes: (file.max_upload_mb.unwrap_or(DEFAULT_MAX_UPLOAD_MB)
                    * 1024
                    * 1024) as usize,
                basemap_url: file.basemap_url,
                public_url: file.public_url,
                web_dir,
                tiles: file.tiles,
                limits: file.limits,
                profile: std::sync::Arc::new(profile),
                access,
            };
            let views = Views::open(opened.dir())?;
            let scenarios = Scenarios::open(opened.dir())?;
            let state = AppState::new(opened, config, views, scenarios);
            tokio::runtime::Runtime::new()?.block_on(api::serve(state))?;
            Ok(())
        }
        Command::Ingest {
            store,
            file,
            layer,
            title,
            description,
            source_layer,
            crs,
            x_field,
            y_field,
        } => {
            let config = read_config(&store)?;
            let opened = open_store(&store, &config)?;
            let options = IngestOptions {
                layer_id: layer,
                title,
                description,
                source_layer,
                crs,
                x_field,
                y_field,
            };
            let report = ingest::ingest_within(
                &opened,
                &file,
                &options,
                &config.limits.ingest,
                &mut progress_bars(),
            )?;
            print!("{report}");
            Ok(())
        }
        Command::ExportPmtiles {
            store,
            layers,
            minzoom,
            maxzoom,
            out,
        } => export_pmtiles(&store, &layers, minzoom, maxzoom, &out),
        Command::Render(args) => render(args),
        Command::Report { store, view, out } => with_meeting(&store, &view, |meeting, view| {
            let subtitle = crate::report::subtitle(chrono::Local::now().date_naive());
            write_file(&out, &meeting.report(view, &subtitle)?)
        }),
        Command::Analyze {
            analysis: Analysis::ServiceAccess(args),
        } => service_access(args),
        Command::Analyze {
            analysis: Analysis::Rural(args),
        } => rural(args),
        Command::Layers { store } => {
            let config = read_config(&store)?;
            let opened = open_store(&store, &config)?;
            let catalog = opened.snapshot();
            if catalog.is_empty() {
                println!("no layers in {}", opened.dir().display());
            }
            let width = catalog.layers().map(|l| l.meta.id.len()).max().unwrap_or(0);
            for layer in catalog.layers() {
                let m = &layer.meta;
                let kind = format!("{:?}", m.geometry_type);
                println!(
                    "{:<width$}  {kind:<15} {:>8} features  v{:<3} {}",
                    m.id, m.feature_count, m.version, m.title
                );
            }
            Ok(())
        }
    }
}

fn export_pmtiles(
    store: &StoreArgs,
    layers: &str,
    minzoom: u8,
    maxzoom: u8,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let config = read_config(store)?;
    let opened = open_store(store, &config)?;
    let resolved = tiles::resolve_layers(&opened.snapshot(), layers, &config.tiles)?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("z{msg:>2} [{bar:30}] {pos}/{len} tiles ({per_sec})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let report = tiles::pmtiles::export(
        &tiles::tile_layers(&resolved),
        minzoom,
        maxzoom,
        out,
        &mut |p| {
            bar.set_length(p.known);
            bar.set_position(p.done);
            bar.set_message(p.zoom.to_string());
        },
    )?;
    bar.finish();
    println!(
        "wrote {}: {} tiles with features of {} looked at, {:.1} MB of MVT before compression",
        out.display(),
        report.written,
        report.visited,
        report.mvt_bytes as f64 / 1e6
    );
    Ok(())
}

/// A `--supply` value: `NAME=LAYER[:FIELD=VALUE[,FIELD=VALUE]]`.
fn parse_supply(text: &str) -> anyhow::Result<(String, SupplySpec)> {
    let (name, rest) = text
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("--supply {text:?}: expected NAME=LAYER[:FIELD=VALUE]"))?;
    let (layer, filters) = rest.split_once(':').unwrap_or((rest, ""));
    let filter = filters
        .split(',')
        .filter(|f| !f.is_empty())
        .map(|f| {
            f.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| {
                    anyhow::anyhow!("--supply {text:?}: filter {f:?} is not FIELD=VALUE")
                })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok((
        name.to_string(),
        SupplySpec {
            layer: layer.to_string(),
            filter,
            name_field: None,
        },
    ))
}

fn service_access(args: ServiceAccessArgs) -> anyhow::Result<()> {
    let config = read_config(&args.store)?;
    let profile = region_profile(&args.store, &config, None)?.analysis;
    let store = open_store(&args.store, &config)?;
    let mut kinds: Vec<(String, Option<String>, Option<SupplySpec>)> = args
        .supply
        .iter()
        .map(|s| parse_supply(s).map(|(name, supply)| (name, None, Some(supply))))
        .collect::<anyhow::Result<_>>()?;
    kinds.extend(args.kind.iter().map(|k| (k.clone(), Some(k.clone()), None)));
    if kinds.is_empty() {
        kinds = profile
            .services
            .iter()
            .map(|k| (k.kind.clone(), Some(k.kind.clone()), None))
            .collect();
    }
    if kinds.is_empty() {
        anyhow::bail!(
            "missing setting `supply`: give --kind or --supply, or name service kinds in the \
             region profile ([[analysis.services]] of --profile or the configuration file)"
        );
    }
    let unit = match args.unit.as_str() {
        "min" => Unit::Min,
        "km" => Unit::Km,
        other => anyhow::bail!("--unit must be min or km, not {other:?}"),
    };
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)?;
    }
    let cache = AnalysisCache::default();
    let bar = ProgressBar::new(kinds.len() as u64 * service_access::STAGES).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    for (name, kind, supply) in kinds {
        let request = AccessRequest {
            network: args.layers.network.clone(),
            network_settings: None,
            snap: Some(SnapSettings {
                max_distance_m: args.max_snap_m,
                connector_speed_kmh: args.connector_kmh,
            }),
            demand: args.layers.demand(),
            kind,
            supply: supply.map(|s| vec![s]),
            areas: args.layers.areas(args.unit_code_field.clone()),
            mode: if args.straight_line {
                Mode::StraightLine
            } else {
                Mode::Network
            },
            bands: Bands {
                unit,
                breaks: args.bands.clone(),
            },
            threshold: args.threshold,
        };
        let spec = request.resolve(&profile)?;
        let run = service_access::run(&cache, &store.snapshot(), &spec, &mut |stage| {
            bar.set_message(format!("{name}: {stage}"));
            bar.inc(1);
        })?;
        if let Some(out) = &args.out {
            std::fs::write(out.join(format!("{name}_areas.csv")), run.areas_csv())?;
            std::fs::write(out.join(format!("{name}_units.csv")), run.units_csv())?;
        }
        if args.store_layers {
            let id = crate::layer::slug(&format!("sa_{name}"));
            let layer = service_access::result_layer(
                &run,
                &spec.bands,
                &id,
                &format!("Service access: {name}"),
                None,
            );
            store.commit(vec![layer])?;
        }
        bar.suspend(|| print_summary(&name, &run));
    }
    bar.finish_and_clear();
    Ok(())
}

fn print_summary(name: &str, run: &service_access::Run) {
    let t = &run.total;
    println!("{name}: {} units, population {}", t.units, t.population);
    for b in &t.bands {
        println!(
            "  {:<14} {:>10.0}  {:>5.1} %",
            b.label,
            b.population,
            b.share * 100.0
        );
    }
    println!("  {:<14} {:>10.0}", "unreachable", t.unreachable);
    let show = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.1}"));
    println!(
        "  mean {}, median {}, beyond {}: {:.0}",
        show(t.mean),
        show(t.median),
        t.threshold,
        t.beyond_threshold
    );
}

fn rural(args: RuralArgs) -> anyhow::Result<()> {
    let config = read_config(&args.store)?;
    let profile = region_profile(&args.store, &config, None)?.analysis;
    let store = open_store(&args.store, &config)?;
    let towns = TownSpec::overridden(args.towns, args.towns_population, profile.towns.as_ref());
    let spec = RuralRequest {
        network: args.layers.network.clone(),
        demand: args.layers.demand(),
        towns,
        areas: args.layers.areas(None),
        thresholds: args.thresholds,
        classes: ClassRule {
            town_population: args.class_size,
            minutes: args.class_minutes,
        },
        ..RuralRequest::default()
    }
    .resolve(&profile)?;
    let bar = ProgressBar::new(spec.sizes().len() as u64 + 3).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let result = rural::classify(
        &AnalysisCache::default(),
        &store.snapshot(),
        &spec,
        store.analysis_crs(),
        &mut |s| {
            bar.set_message(s.to_string());
            bar.inc(1);
        },
    )?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    for a in result.areas.iter().chain([&result.total]) {
        let classes: Vec<String> = a
            .classes
            .iter()
            .map(|c| format!("{} {:.0} ({:.0} km²)", c.label, c.population, c.land_km2))
            .collect();
        let means: Vec<String> = a
            .mean_minutes
            .iter()
            .map(|(n, m)| format!("{n}+: {}", m.map_or("–".into(), |m| format!("{m:.0} min"))))
            .collect();
        println!(
            "{:<16} {:>8.0}  {}  | mean {}{}",
            a.name,
            a.population,
            classes.join(", "),
            means.join(", "),
            if a.very_sparse == Some(true) {
                "  very sparse"
            } else {
                ""
            }
        );
    }
    for x in &result.nearest {
        if let Some(warning) = x.detour(&result.prepared).and_then(|d| d.warning) {
            println!("warning: {warning}");
        }
    }
    println!(
        "classified {} units in {:.2} s (network build included)",
        result.prepared.units.len(),
        elapsed.as_secs_f64()
    );
    if let Some(out) = &args.out {
        std::fs::write(out, serde_json::to_string_pretty(&result.areas)?)?;
    }
    if let Some(id) = args.store_layer {
        store.commit(vec![result.result_layer(&id, "Landsbygdsavstånd")])?;
        println!("stored layer {id}");
    }
    Ok(())
}

/// `kartrum render`: layers over a box, or a saved view.
fn render(args: RenderArgs) -> anyhow::Result<()> {
    let RenderArgs {
        store,
        layers,
        bbox,
        view,
        width,
        height,
        dpr,
        no_basemap,
        out,
    } = args;
    if let Some(view) = view {
        return with_meeting(&store, &view, |meeting, view| {
            write_file(
                &out,
                &meeting.map(view, (width, height, dpr), true)?.0.png()?,
            )
        });
    }
    let (Some(layers), Some(bbox)) = (layers, bbox) else {
        anyhow::bail!("give --layers and --bbox, or --view");
    };
    let bbox = render::Frame::parse_bbox(&bbox)?;
    let config = read_config(&store)?;
    let profile = region_profile(&store, &config, None)?;
    let opened = open_store(&store, &config)?;
    let spec = render::MapSpec {
        frame: render::Frame::fit(bbox, width, height, dpr)?,
        layers: render::MapSpec::layer_list(&layers)?,
        basemap: !no_basemap,
        decorations: true,
        legend: true,
        title: None,
    };
    let renderer = render::Renderer::default();
    let picture = renderer.draw(&opened.snapshot(), &profile, &spec, &[])?;
    write_file(&out, &picture.png()?)
}

/// Runs `work` on the saved view `id` of the store, as the command line sees it (all layers).
fn with_meeting(
    store: &StoreArgs,
    id: &str,
    work: impl FnOnce(&Meeting, &crate::views::View) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let config = read_config(store)?;
    let profile = region_profile(store, &config, None)?;
    let opened = open_store(store, &config)?;
    let view = Views::open(opened.dir())?.get(id)?;
    let renderer = render::Renderer::default();
    let cache = AnalysisCache::default();
    let meeting = Meeting {
        renderer: &renderer,
        cache: &cache,
        catalog: &opened.snapshot(),
        profile: &profile,
        analysis_crs: opened.analysis_crs(),
    };
    work(&meeting, &view)
}

/// Writes `bytes` to `path` whole or not at all (through a temporary file beside it).
fn write_file(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.persist(path)
        .map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), e.error))?;
    println!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

fn read_config(args: &StoreArgs) -> anyhow::Result<ConfigFile> {
    Ok(match &args.config {
        Some(path) => ConfigFile::read(path)?,
        None => ConfigFile::default(),
    })
}

/// The region profile: `--profile`, else the configuration file's sections, else the demo
/// manifest's, else none.
fn region_profile(
    args: &StoreArgs,
    config: &ConfigFile,
    demo: Option<&std::path::Path>,
) -> anyhow::Result<RegionProfile> {
    if let Some(path) = &args.profile {
        return Ok(RegionProfile::read(path)?);
    }
    if config.analysis.is_some() || config.map.is_some() {
        let profile = RegionProfile {
            analysis: config.analysis.clone().unwrap_or_default(),
            map: config.map.clone().unwrap_or_default(),
        };
        profile.validate()?;
        return Ok(profile);
    }
    Ok(match demo {
        Some(manifest) => RegionProfile::read(manifest)?,
        None => RegionProfile::default(),
    })
}

fn open_store(args: &StoreArgs, config: &ConfigFile) -> anyhow::Result<Store> {
    let crs = config
        .analysis_crs
        .as_deref()
        .unwrap_or(DEFAULT_ANALYSIS_CRS);
    Ok(Store::open(&args.data_dir, crs)?)
}

/// A progress callback drawing one bar per source layer on stderr.
fn progress_bars() -> impl FnMut(Progress) {
    let mut current: Option<(String, ProgressBar)> = None;
    move |p: Progress| {
        let same = current.as_ref().is_some_and(|(name, _)| name == p.layer);
        if !same {
            if let Some((_, bar)) = current.take() {
                bar.finish();
            }
            let bar = match p.total {
                Some(total) => ProgressBar::new(total).with_style(
                    ProgressStyle::with_template("{msg:>24} [{bar:30}] {pos}/{len} features")
                        .expect("valid template")
                        .progress_chars("=> "),
                ),
                None => ProgressBar::new_spinner(),
            };
            current = Some((p.layer.to_string(), bar.with_message(p.layer.to_string())));
        }
        if let Some((_, bar)) = &current {
            bar.set_position(p.read);
            if p.total.is_some_and(|t| p.read >= t) {
                bar.finish();
            }
        }
    }
}
