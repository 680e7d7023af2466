//! Command line: `ecogate check | layers | validate | rules | industries`.

use crate::assess::{AssessOptions, Engine, EngineError, Verdict};
use crate::crs::InputCrs;
use crate::industry::IndustryTable;
use crate::ingest::{self, IngestError};
use crate::input::{self, InputError};
use crate::report;
use crate::rules::Facts;
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

pub const EXIT_PERMITTED: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_PROHIBITED: i32 = 3;
pub const EXIT_RESTRICTED: i32 = 4;
pub const EXIT_UNDETERMINED: i32 = 5;

const EXIT_CODES: &str = "Exit codes of `check`: 0 permitted, 3 prohibited, 4 restricted, 5 undetermined; \
2 usage or input error; 1 dataset or rulebook error.";

#[derive(Debug, Parser)]
#[command(name = "ecogate", version, about = "May this project be built here? Siting screening against Chinese ecological zoning layers.", after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct DataArgs {
    /// Dataset manifest (default: $ECOGATE_DATASET, else data/wugang/dataset.toml).
    #[arg(long, global = true)]
    pub dataset: Option<PathBuf>,
    /// Rulebook folder (default: $ECOGATE_RULES, else data/rules).
    #[arg(long, global = true)]
    pub rules: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Assess a location (point, line or footprint) for a project.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// List the dataset's layers.
    Layers(DataArgs),
    /// Validate a dataset manifest and its sources; exit 1 if the dataset would be refused.
    Validate {
        manifest: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List the rulebook.
    Rules(DataArgs),
    /// Serve the HTTP API, OGC API – Features, vector tiles and the map page.
    Serve(ServeArgs),
    /// Write a seeded synthetic dataset (GeoPackage + dataset.toml) for benchmarks and scale tests: `ci`, `henan`
    /// (≈2,000 units, ≥ 7M vertices) or `national` (≈44,600 units, ≥ 60M vertices). Not real boundaries.
    Synth {
        #[arg(long, default_value = "ci")]
        preset: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder (created; keep it outside git, e.g. target/synth/henan).
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Search GB/T 4754-2017 industry codes by code or name.
    Industries {
        query: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Origin allowed to POST from browsers (repeatable); without any, every origin may GET.
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// Largest request body, bytes.
    #[arg(long, default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most vertices in one input geometry (or one uploaded file).
    #[arg(long, default_value_t = 50_000)]
    pub max_vertices: usize,
    /// Largest uploaded footprint file (POST /v1/assessments/upload), bytes.
    #[arg(long, default_value_t = 20 * 1024 * 1024)]
    pub max_upload_bytes: usize,
    /// Per-request time limit, seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout_secs: u64,
    /// Raster base-map tile URL template for the map page (e.g. an intranet tile server); none by default.
    #[arg(long)]
    pub base_map_url: Option<String>,
    /// Folder with the map page's bundled JS/CSS (default: web/ beside the data).
    #[arg(long)]
    pub web_dir: Option<PathBuf>,
    /// TrueType/OpenType font (.ttf, .otf, .ttc) the map labels are made from (default: $ECOGATE_FONT, else Debian's
    /// fonts-wqy-microhei, /usr/share/fonts/truetype/wqy/wqy-microhei.ttc). Without a usable font the service runs
    /// and the map has no labels.
    #[arg(long)]
    pub font: Option<PathBuf>,
}

impl ServeArgs {
    pub fn font_path(&self) -> PathBuf {
        self.font
            .clone()
            .or_else(|| std::env::var_os("ECOGATE_FONT").filter(|v| !v.is_empty()).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(crate::glyphs::DEFAULT_FONT))
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Longitude in degrees (CGCS2000 / WGS84); with --crs, the first number in that CRS.
    #[arg(long, requires = "lat", conflicts_with_all = ["geojson", "at"], allow_hyphen_values = true)]
    pub lon: Option<f64>,
    /// Latitude in degrees; with --crs, the second number in that CRS.
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    pub lat: Option<f64>,
    /// The point as text: decimal degrees or degrees-minutes-seconds ("113°30'15.2\"E 33°16'20\"N", "北纬33度16分20秒
    /// 东经113度30分15秒", "113.504 33.272"); with a projected --crs, two numbers in metres (either order).
    #[arg(long, conflicts_with_all = ["geojson", "file"], allow_hyphen_values = true)]
    pub at: Option<String>,
    /// GeoJSON file with the site (Geometry, Feature or FeatureCollection), in lon/lat degrees or in --crs.
    #[arg(long, conflicts_with = "file")]
    pub geojson: Option<PathBuf>,
    /// Footprint file, assessed per feature and as a whole: zipped shapefile, KML, KMZ, GeoJSON, GeoPackage, DXF,
    /// CSV/XLSX vertex table or 界址点 TXT.
    #[arg(long, conflicts_with_all = ["lon", "lat"])]
    pub file: Option<PathBuf>,
    /// CRS of the coordinates: wgs84 (default), cgcs2000, gcj02 (Amap/Tencent), bd09 (Baidu), cgcs2000-gk3:NN,
    /// cgcs2000-gk3-cm:DDD, cgcs2000-gk6:NN, cgcs2000-gk (zone from the easting's prefix), xian80-gk3:NN / bj54-gk3:NN
    /// (with --towgs84), EPSG:xxxx. For --file: the CRS of a file that declares none (DXF, vertex tables in metres,
    /// shapefile without .prj), e.g. cgcs2000-gk3:40 or EPSG:4528; given for a file that declares one, it overrides it.
    #[arg(long)]
    pub crs: Option<String>,
    /// Helmert shift from Xi'an 1980 / Beijing 1954 to CGCS2000, from the local surveying authority:
    /// dx,dy,dz[,rx,ry,rz,ds] (metres, arc-seconds, ppm; position-vector convention like PROJ's +towgs84).
    #[arg(long, allow_hyphen_values = true)]
    pub towgs84: Option<String>,
    /// Industry code, GB/T 4754-2017 (e.g. 3011 cement).
    #[arg(long)]
    pub industry: Option<String>,
    /// new | rebuild | expansion (新建 / 改建 / 扩建).
    #[arg(long)]
    pub nature: Option<String>,
    /// Discharges pollutants: yes | no.
    #[arg(long)]
    pub discharges: Option<String>,
    /// Adds a sewage outfall: yes | no.
    #[arg(long)]
    pub outfall: Option<String>,
    /// Water-supply or source-protection works: yes | no.
    #[arg(long)]
    pub water_supply: Option<String>,
    /// Linear infrastructure (road, railway, pipeline, power line): yes | no.
    #[arg(long)]
    pub linear: Option<String>,
    /// Limited human activity category inside red lines (see `ecogate rules`), or none.
    #[arg(long)]
    pub limited_activity: Option<String>,
    /// National major project: yes | no.
    #[arg(long)]
    pub national_major: Option<String>,
    /// Adds production capacity: yes | no.
    #[arg(long)]
    pub adds_capacity: Option<String>,
    /// Any other fact of the rulebook, as name=value (repeatable).
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    pub facts: Vec<String>,
    /// Radius for nearby zones, metres.
    #[arg(long, default_value_t = 1000.0)]
    pub radius: f64,
}

impl CheckArgs {
    /// The engine, the project facts checked against its rulebook (required ones present), and the options.
    fn engine_facts_options(&self) -> Result<(Engine, Facts, AssessOptions), Failure> {
        if !self.radius.is_finite() || !(0.0..=50_000.0).contains(&self.radius) {
            return Err(Failure::Usage("--radius must be between 0 and 50000 metres".into()));
        }
        let engine = self.data.engine()?;
        let pairs = self.fact_pairs().map_err(Failure::Usage)?;
        let facts = engine.parse_facts(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(Failure::Usage)?;
        engine.check_required(&facts).map_err(|(fact, question)| {
            let flag = if fact == "industry" || fact == "nature" { format!("--{fact}") } else { format!("--fact {fact}=…") };
            Failure::Usage(format!("{flag} is required: {question}"))
        })?;
        let options = AssessOptions { nearby_radius_m: self.radius, ..engine.options };
        Ok((engine, facts, options))
    }

    fn fact_pairs(&self) -> Result<Vec<(String, String)>, String> {
        let named = [
            ("industry", &self.industry),
            ("nature", &self.nature),
            ("discharges_pollutants", &self.discharges),
            ("adds_sewage_outfall", &self.outfall),
            ("water_supply_related", &self.water_supply),
            ("linear_infrastructure", &self.linear),
            ("limited_activity", &self.limited_activity),
            ("national_major_project", &self.national_major),
            ("adds_capacity", &self.adds_capacity),
        ];
        let mut out: Vec<(String, String)> =
            named.into_iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone()))).collect();
        for f in &self.facts {
            let (k, v) = f.split_once('=').ok_or_else(|| format!("--fact {f:?}: expected NAME=VALUE"))?;
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok(out)
    }
}

/// Resolves a default data path: environment variable, then the working directory, then the source tree.
fn default_path(explicit: &Option<PathBuf>, env: &str, relative: &str) -> PathBuf {
    if let Some(p) = explicit {
        return p.clone();
    }
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    let local = PathBuf::from(relative);
    if local.exists() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

impl DataArgs {
    pub fn dataset_path(&self) -> PathBuf {
        default_path(&self.dataset, "ECOGATE_DATASET", "data/wugang/dataset.toml")
    }

    pub fn rules_path(&self) -> PathBuf {
        default_path(&self.rules, "ECOGATE_RULES", "data/rules")
    }

    fn engine(&self) -> Result<Engine, Failure> {
        Engine::load(&self.dataset_path(), &self.rules_path()).map_err(Failure::Engine)
    }
}

/// Why a command failed, mapped to an exit code at the edge.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Engine(EngineError),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Engine(_) => EXIT_ERROR,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Usage(m) => m.clone(),
            Failure::Engine(EngineError::Ingest(IngestError::Refused { report })) => {
                format!("dataset refused:\n{}", report::validation_text(report))
            }
            Failure::Engine(e) => e.to_string(),
        }
    }
}

/// Runs a command; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32, Failure> {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Layers(data) => {
            let e = data.engine()?;
            if data.json {
                let out = serde_json::json!({ "dataset": e.dataset, "layers": e.layers, "validation": e.validation });
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                print!("{}", report::layers_text(&e));
            }
            Ok(EXIT_PERMITTED)
        }
        Command::Validate { manifest, json } => validate(&manifest, json),
        Command::Serve(args) => serve(args),
        Command::Rules(data) => {
            let book = crate::rules::Rulebook::load_dir(&data.rules_path(), IndustryTable::bundled())
                .map_err(|e| Failure::Engine(e.into()))?;
            if data.json {
                println!("{}", serde_json::to_string_pretty(&book).unwrap_or_default());
            } else {
                print!("{}", report::rules_text(&book));
            }
            Ok(EXIT_PERMITTED)
        }
        Command::Synth { preset, seed, out, json } => {
            let preset = crate::synth::Preset::named(&preset).map_err(|e| Failure::Usage(e.to_string()))?;
            let started = std::time::Instant::now();
            let stats = crate::synth::generate(&preset, seed, &out).map_err(|e| Failure::Usage(e.to_string()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats).unwrap_or_default());
            } else {
                println!(
                    "{}: {} units, {} red lines, {} water-source zones, {} reserve zones, {} vertices in {:.1} s",
                    stats.manifest.display(),
                    stats.units,
                    stats.red_lines,
                    stats.water_zones,
                    stats.reserve_zones,
                    stats.vertices,
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(EXIT_PERMITTED)
        }
        Command::Industries { query, json } => {
            let hits = IndustryTable::bundled().search(&query, 50);
            if json {
                println!("{}", serde_json::to_string_pretty(&hits).unwrap_or_default());
            } else {
                for i in hits {
                    println!("{:<5} {:?} {} {}", i.code, i.level, i.name_zh, i.name_en.as_deref().unwrap_or(""));
                }
            }
            Ok(EXIT_PERMITTED)
        }
    }
}

/// An input error in both languages.
fn input_failure(e: InputError) -> Failure {
    Failure::Usage(format!("{e}\n{}", e.message_zh()))
}

fn check(args: &CheckArgs) -> Result<i32, Failure> {
    if let Some(path) = &args.file {
        return check_file(args, path);
    }
    let crs = InputCrs::parse(args.crs.as_deref(), args.towgs84.as_deref()).map_err(|e| input_failure(e.into()))?;
    let site = match (&args.geojson, &args.at, args.lon, args.lat) {
        (Some(path), _, _, _) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
            input::geojson_text_input(&text, &crs)
                .map_err(|e| Failure::Usage(format!("{}: {e}\n{}", path.display(), e.message_zh())))?
        }
        (None, Some(at), _, _) => input::text_point_input(at, &crs).map_err(input_failure)?,
        (None, None, Some(lon), Some(lat)) => input::point_input(lon, lat, &crs).map_err(input_failure)?,
        _ => return Err(Failure::Usage("give a site: --lon and --lat, --at \"…\", --geojson FILE or --file FOOTPRINT".into())),
    };
    let (engine, facts, options) = args.engine_facts_options()?;
    let assessment = engine.assess_input(&site, &facts, options);
    if args.data.json {
        println!("{}", serde_json::to_string_pretty(&assessment).unwrap_or_default());
    } else {
        print!("{}", report::assessment_text(&assessment));
    }
    Ok(exit_code(assessment.verdict))
}

fn exit_code(verdict: Verdict) -> i32 {
    match verdict {
        Verdict::Permitted => EXIT_PERMITTED,
        Verdict::Prohibited => EXIT_PROHIBITED,
        Verdict::Restricted => EXIT_RESTRICTED,
        Verdict::Undetermined => EXIT_UNDETERMINED,
    }
}

/// `check --file`: a footprint file, assessed per feature and as a whole; the exit code follows the whole file.
fn check_file(args: &CheckArgs, path: &Path) -> Result<i32, Failure> {
    let bytes = std::fs::read(path).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    // Local files: no size or vertex limit beyond memory.
    let limits = crate::upload::UploadLimits { max_bytes: usize::MAX, max_vertices: usize::MAX };
    let upload = crate::upload::read_upload_as(bytes, name.as_deref(), args.crs.as_deref(), args.towgs84.as_deref(), &limits).map_err(|e| {
        let hint = match &e {
            crate::upload::UploadError::MissingCrs { .. } => " (use --crs)",
            crate::upload::UploadError::Crs(c) if c.slug() == "datum-shift-required" => " (use --towgs84)",
            _ => "",
        };
        Failure::Usage(format!("{}: {e}{hint}\n{}", path.display(), e.message_zh()))
    })?;
    let (engine, facts, options) = args.engine_facts_options()?;
    let answer = crate::upload::assess_upload(&engine, upload, &facts, options);
    if args.data.json {
        println!("{}", serde_json::to_string_pretty(&answer).unwrap_or_default());
    } else {
        print!("{}", crate::upload::report_text(&answer));
    }
    Ok(exit_code(answer.whole.verdict))
}

fn serve(args: ServeArgs) -> Result<i32, Failure> {
    let engine = args.data.engine()?;
    let limits = crate::api::Limits {
        max_body_bytes: args.max_body_bytes,
        max_vertices: args.max_vertices,
        request_timeout: std::time::Duration::from_secs(args.timeout_secs.max(1)),
        max_upload_bytes: args.max_upload_bytes,
    };
    let config = crate::api::ServiceConfig {
        limits: limits.clone(),
        cors_origins: args.cors_origins.clone(),
        base_map_url: args.base_map_url.clone(),
        web_dir: args.web_dir.clone().unwrap_or_else(|| default_path(&None, "ECOGATE_WEB", "web")),
    };
    let glyphs = crate::glyphs::LabelFont::load(&args.font_path());
    match &glyphs {
        crate::glyphs::LabelFont::Ready(font) => tracing::info!(font = %font.path().display(), fontstack = font.name(), "map labels on"),
        crate::glyphs::LabelFont::Unavailable { reason, .. } => tracing::warn!(
            "map labels off: {reason}; install Debian's {} or pass --font (the style is served without labels)",
            crate::glyphs::DEFAULT_FONT_PACKAGE
        ),
    }
    let state = std::sync::Arc::new(crate::api::AppState { engine, limits, config, glyphs });
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Failure::Usage(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", args.addr)))?;
        let addr = listener.local_addr().map_err(|e| Failure::Usage(e.to_string()))?;
        println!("ecogate serving dataset {} at http://{addr}/", state.engine.dataset.version);
        crate::api::serve(listener, state).await.map_err(|e| Failure::Usage(format!("server error: {e}")))
    })?;
    Ok(EXIT_PERMITTED)
}

fn validate(manifest: &Path, json: bool) -> Result<i32, Failure> {
    let (report, ok, summary) = match ingest::load(manifest, IndustryTable::bundled()) {
        Ok(ds) => {
            let summary = format!("dataset {} OK: {} zones in {} layers", ds.version, ds.zones.len(), ds.layers.len());
            (ds.report, true, summary)
        }
        Err(IngestError::Refused { report }) => (report, false, "dataset REFUSED".to_string()),
        Err(e) => return Err(Failure::Engine(e.into())),
    };
    if json {
        let out = serde_json::json!({ "ok": ok, "summary": summary, "problems": report.problems });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        println!("{summary}");
        print!("{}", report::validation_text(&report));
    }
    Ok(if ok { EXIT_PERMITTED } else { EXIT_ERROR })
}
