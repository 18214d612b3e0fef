//! The `kartrum` command line: `serve`, `ingest`, `layers`, `export-pmtiles`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::api::{self, AppState};
use crate::config::{Config, ConfigFile, DEFAULT_MAX_UPLOAD_MB};
use crate::crs::DEFAULT_ANALYSIS_CRS;
use crate::demo;
use crate::ingest::{self, IngestOptions, Progress};
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
    /// Configuration file (TOML: token, analysis_crs, max_upload_mb, basemap_url).
    #[arg(long, env = "KARTRUM_CONFIG")]
    config: Option<PathBuf>,
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
            if let Some(manifest) = demo {
                let reports = demo::load_missing(&opened, &manifest, &mut progress_bars())?;
                for report in reports {
                    eprint!("{report}");
                }
            }
            let token = std::env::var("KARTRUM_TOKEN")
                .ok()
                .filter(|t| !t.is_empty())
                .or(file.token);
            let config = Config {
                host,
                port,
                token,
                max_upload_bytes: (file.max_upload_mb.unwrap_or(DEFAULT_MAX_UPLOAD_MB)
                    * 1024
                    * 1024) as usize,
                basemap_url: file.basemap_url,
                web_dir,
                tiles: file.tiles,
            };
            let views = Views::open(opened.dir())?;
            let state = AppState::new(opened, config, views);
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
            let report = ingest::ingest(&opened, &file, &options, &mut progress_bars())?;
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

fn read_config(args: &StoreArgs) -> anyhow::Result<ConfigFile> {
    Ok(match &args.config {
        Some(path) => ConfigFile::read(path)?,
        None => ConfigFile::default(),
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
