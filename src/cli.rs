//! Command line: `ecogate check | report | layers | validate | rules | industries | serve`.

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
    /// Assess a location like `check` and write the printable report (HTML or PDF, with a map figure).
    Report(ReportArgs),
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
    /// Screen a list of sites (CSV/XLSX table, GeoJSON, shapefile zip, GeoPackage, KML) and write one result row per
    /// input row (CSV, XLSX or GeoJSON). Exit 0 when the batch ran, even if some rows have errors.
    #[command(after_help = BATCH_HELP)]
    Batch(BatchArgs),
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

const BATCH_HELP: &str = "Input columns (Chinese or English, see data/batch/columns.toml): name/名称, lon/lat (经度/纬度) or \
x/y (X坐标/Y坐标) with crs/坐标系 or --crs, or geometry/wkt (WKT or GeoJSON text); industry/行业代码, nature/建设性质 and any \
rulebook fact by name. CSV may be UTF-8 or GBK. A row with bad input gets an `error` column; the others still get \
verdicts. Exit codes: 0 the batch ran (row errors included; summary on stderr), 2 unreadable input or bad options, \
1 dataset or rulebook error.";

/// `ecogate batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The site list: .csv, .xlsx, .geojson, zipped shapefile, .gpkg, .kml/.kmz.
    pub input: PathBuf,
    /// Where to write the results (format from the extension unless --format is given); `-` for stdout.
    #[arg(long, short)]
    pub out: PathBuf,
    /// csv | xlsx | geojson (default: from --out's extension).
    #[arg(long)]
    pub format: Option<String>,
    /// CRS of rows without a crs column (as for `check --crs`: wgs84, gcj02, cgcs2000-gk3:38, EPSG:4528, …).
    #[arg(long)]
    pub crs: Option<String>,
    /// Helmert shift for Xi'an 1980 / Beijing 1954 coordinates (as for `check --towgs84`).
    #[arg(long, allow_hyphen_values = true)]
    pub towgs84: Option<String>,
    /// Facts for rows that do not state them, as name=value (repeatable), e.g. --fact industry=4812 --fact nature=new.
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    pub facts: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Radius for the nearby list, metres (the proximity bands come from the rulebook).
    #[arg(long, default_value_t = 1000.0)]
    pub radius: f64,
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
    /// SQLite audit trail every assessment answer is recorded in (default: $ECOGATE_AUDIT_DB, else
    /// $STATE_DIRECTORY/audit.sqlite under systemd, else $XDG_STATE_HOME or ~/.local/state, ecogate/audit.sqlite).
    /// Created with its folder if missing; a corrupt file is moved aside and recreated.
    #[arg(long, conflicts_with = "no_audit")]
    pub audit_db: Option<PathBuf>,
    /// Days audit records are kept before they are pruned (EIA files are kept for years).
    #[arg(long, default_value_t = 3650, env = "ECOGATE_AUDIT_RETENTION_DAYS")]
    pub audit_retention_days: u32,
    /// Record nothing (benchmarks, throwaway instances): answers carry no `id`, GET /v1/assessments/{id} finds nothing.
    #[arg(long)]
    pub no_audit: bool,
    /// Dataset versions kept in memory (the current one included) so a request can name a past `dataset_version`.
    #[arg(long, default_value_t = 3, env = "ECOGATE_KEEP_VERSIONS", value_parser = clap::value_parser!(u32).range(1..=50))]
    pub keep_versions: u32,
    /// Reload when the manifest, its local sources or the rules folder change (debounced).
    #[arg(long)]
    pub watch: bool,
    /// PostGIS-backed replicas: with `$ECOGATE_PG_NOTIFY` set to a libpq connection string (e.g. `host=db
    /// dbname=zones user=ecogate`), LISTEN on this channel there; each `NOTIFY <channel>` reloads the dataset. The
    /// connection string is an environment variable, not a flag, so a password in it never shows in `ps`.
    #[arg(long, default_value = crate::pgnotify::DEFAULT_CHANNEL, env = "ECOGATE_PG_CHANNEL")]
    pub pg_channel: String,
    /// File holding the admin key (at least 16 characters) for /admin/*; else $ECOGATE_ADMIN_KEY; without either the
    /// admin routes are off. Never given on the command line itself, where `ps` would show it.
    #[arg(long)]
    pub admin_key_file: Option<PathBuf>,
    /// File of read keys, one `label:key` (or `key`) per line; when given, /v1/* needs one of them (or the admin key).
    #[arg(long, env = "ECOGATE_READ_KEYS_FILE")]
    pub read_keys_file: Option<PathBuf>,
    /// Requests per minute per client (API key, else IP) on /v1/* and /admin/*; 0 = no limit.
    #[arg(long, default_value_t = 0, env = "ECOGATE_RATE_LIMIT_PER_MINUTE")]
    pub rate_limit_per_minute: u32,
    /// Requests a client may send in a burst above its rate (default: one minute's worth).
    #[arg(long, env = "ECOGATE_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<u32>,
}

impl ServeArgs {
    /// Where the audit trail lives when `--audit-db` is not given.
    pub fn audit_path(&self) -> PathBuf {
        if let Some(p) = &self.audit_db {
            return p.clone();
        }
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(p) = env("ECOGATE_AUDIT_DB") {
            return p;
        }
        // systemd's StateDirectory= may list several folders separated by ':'; the first is ours.
        if let Some(dir) = std::env::var("STATE_DIRECTORY").ok().and_then(|v| v.split(':').next().filter(|d| !d.is_empty()).map(PathBuf::from)) {
            return dir.join("audit.sqlite");
        }
        let base = env("XDG_STATE_HOME").or_else(|| env("HOME").map(|h| h.join(".local/state"))).unwrap_or_else(|| PathBuf::from("."));
        base.join("ecogate").join("audit.sqlite")
    }

    pub fn font_path(&self) -> PathBuf {
        font_path(&self.font)
    }
}

/// The font file: the flag, else $ECOGATE_FONT, else Debian's WenQuanYi Micro Hei (map labels and reports alike).
pub fn font_path(explicit: &Option<PathBuf>) -> PathBuf {
    explicit
        .clone()
        .or_else(|| std::env::var_os("ECOGATE_FONT").filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(crate::glyphs::DEFAULT_FONT))
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The site, the project facts and the data, as for `check`.
    #[command(flatten)]
    pub check: CheckArgs,
    /// File to write (default: standard output). Its extension (.html, .pdf, .svg, .png) gives the format unless
    /// --format does.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// html | pdf, or svg | png for the map figure alone. Default: from --out's extension, else html.
    #[arg(long)]
    pub format: Option<String>,
    /// Language of the report: zh (default) or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// TrueType/OpenType font (.ttf, .otf, .ttc) with CJK glyphs for the figure and the PDF (default: $ECOGATE_FONT,
    /// else Debian's fonts-wqy-microhei, /usr/share/fonts/truetype/wqy/wqy-microhei.ttc).
    #[arg(long)]
    pub font: Option<PathBuf>,
}

impl ReportArgs {
    /// The output format: --format, else the extension of --out, else HTML.
    fn output_format(&self) -> Result<report::Format, Failure> {
        if let Some(f) = &self.format {
            return report::Format::parse(f).ok_or_else(|| Failure::Usage(format!("--format {f:?}: use html, pdf, svg or png")));
        }
        let ext = self.out.as_ref().and_then(|p| p.extension()).map(|e| e.to_string_lossy().into_owned());
        match ext {
            None => Ok(report::Format::Html),
            Some(e) => report::Format::parse(&e)
                .ok_or_else(|| Failure::Usage(format!("cannot tell the report format from .{e}: use --format html|pdf|svg|png"))),
        }
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

    pub(crate) fn engine(&self) -> Result<Engine, Failure> {
        Engine::load(&self.dataset_path(), &self.rules_path()).map_err(Failure::Engine)
    }
}

/// Why a command failed, mapped to an exit code at the edge.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Engine(EngineError),
    /// The service cannot start (e.g. the audit database folder is not writable).
    Startup(String),
    /// The report could not be made (font, figure, PDF writer) or written.
    Report(String),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Engine(_) | Failure::Startup(_) | Failure::Report(_) => EXIT_ERROR,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Usage(m) | Failure::Startup(m) | Failure::Report(m) => m.clone(),
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
        Command::Batch(args) => crate::batch::cli::run(&args),
        Command::Report(args) => write_report(&args),
        Command::Layers(data) => {
            let e = data.engine()?;
            if data.json {
                let out = serde_json::json!({ "dataset": &*e.dataset, "layers": e.layers, "validation": e.validation });
                println!("{}", pretty_json(&out));
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
                println!("{}", pretty_json(&book));
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
                println!("{}", pretty_json(&stats));
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
                println!("{}", pretty_json(&hits));
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

/// The site given by --lon/--lat, --at or --geojson (not --file).
fn site_input(args: &CheckArgs) -> Result<input::SiteInput, Failure> {
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
    Ok(site)
}

fn check(args: &CheckArgs) -> Result<i32, Failure> {
    if let Some(path) = &args.file {
        return check_file(args, path);
    }
    let site = site_input(args)?;
    let (engine, facts, options) = args.engine_facts_options()?;
    let assessment = engine.assess_input(&site, &facts, options);
    if args.data.json {
        println!("{}", pretty_json(&assessment));
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
    let upload = read_upload(args, path)?;
    let (engine, facts, options) = args.engine_facts_options()?;
    let answer = crate::upload::assess_upload(&engine, upload, &facts, options);
    if args.data.json {
        println!("{}", pretty_json(&answer));
    } else {
        print!("{}", crate::upload::report_text(&answer));
    }
    Ok(exit_code(answer.whole.verdict))
}

/// Reads a footprint file given by --file, in --crs when it declares none.
fn read_upload(args: &CheckArgs, path: &Path) -> Result<crate::upload::Upload, Failure> {
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
    Ok(upload)
}

/// `report`: assesses in process like `check` (a footprint file as a whole) and writes the printable report. The
/// report's id is local ("CLI, not recorded"): nothing is stored. Exit 0 when the report is written, whatever the
/// verdict (the report states it); the verdict is also printed to standard error.
fn write_report(args: &ReportArgs) -> Result<i32, Failure> {
    let format = args.output_format()?;
    let lang = report::Lang::parse(&args.lang).ok_or_else(|| Failure::Usage(format!("--lang {:?}: use zh or en", args.lang)))?;
    let font = report::font::ReportFont::load(&font_path(&args.font)).map_err(|e| Failure::Report(e.to_string()))?;
    let c = &args.check;
    let (engine, assessment, site) = match &c.file {
        Some(path) => {
            let upload = read_upload(c, path)?;
            let (engine, facts, options) = c.engine_facts_options()?;
            let assessment = engine.assess_with(&upload.whole, &facts, options);
            (engine, assessment, upload.whole)
        }
        None => {
            let input = site_input(c)?;
            let (engine, facts, options) = c.engine_facts_options()?;
            let assessment = engine.assess_input(&input, &facts, options);
            (engine, assessment, input.site)
        }
    };
    let input = report::ReportInput::from_assessment(report::model::ReportMeta::cli_now(), &assessment, site)
        .map_err(|e| Failure::Report(e.to_string()))?;
    let bytes = report::render(&engine, &input, lang, format, &font).map_err(|e| Failure::Report(e.to_string()))?;
    match &args.out {
        Some(path) => std::fs::write(path, &bytes).map_err(|e| Failure::Report(format!("cannot write {}: {e}", path.display())))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes).map_err(|e| Failure::Report(format!("cannot write the report: {e}")))?;
        }
    }
    eprintln!(
        "report {}{}: {} ({})",
        input.meta.id,
        args.out.as_ref().map(|p| format!(" written to {}", p.display())).unwrap_or_default(),
        assessment.verdict.as_str(),
        assessment.verdict.label_zh()
    );
    Ok(EXIT_PERMITTED)
}

fn serve(args: ServeArgs) -> Result<i32, Failure> {
    let engine = args.data.engine()?;
    crate::hugepages::back_loaded_data_in_background();
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
    let audit = if args.no_audit {
        tracing::warn!("audit trail off (--no-audit): answers carry no reference number and nothing is recorded");
        crate::audit::AuditStore::disabled()
    } else {
        let config = crate::audit::AuditConfig { path: args.audit_path(), retention_days: args.audit_retention_days };
        crate::audit::AuditStore::open(&config).map_err(|e| Failure::Startup(format!("{e} (choose another place with --audit-db or $ECOGATE_AUDIT_DB)")))?
    };
    let keys = crate::api::security::Keys::load(args.admin_key_file.as_deref(), std::env::var("ECOGATE_ADMIN_KEY").ok(), args.read_keys_file.as_deref())
        .map_err(Failure::Startup)?
        .with_rate_limit(args.rate_limit_per_minute, args.rate_limit_burst.unwrap_or(args.rate_limit_per_minute));
    tracing::info!(admin_routes = keys.admin_configured(), read_keys = keys.read_required(), rate_limit_per_minute = args.rate_limit_per_minute, "access control");
    let pg_watch = std::env::var("ECOGATE_PG_NOTIFY")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|conninfo| crate::pgnotify::PgWatch::new(conninfo, args.pg_channel.clone()))
        .transpose()
        .map_err(|e| Failure::Startup(e.to_string()))?;
    let reloader = crate::datasets::Reloader::new(args.data.dataset_path(), args.data.rules_path());
    let state = std::sync::Arc::new(
        crate::api::AppState::new(engine, limits, config, glyphs)
            .with_audit(std::sync::Arc::new(audit))
            .with_keep_versions(args.keep_versions as usize)
            .with_reloader(reloader)
            .with_keys(keys),
    );
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Failure::Usage(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", args.addr)))?;
        let addr = listener.local_addr().map_err(|e| Failure::Usage(e.to_string()))?;
        println!("ecogate serving dataset {} at http://{addr}/", state.engine().dataset.version);
        if args.watch {
            crate::api::watch::spawn(std::sync::Arc::clone(&state)).map_err(Failure::Startup)?;
        }
        if let Some(watch) = pg_watch {
            let state = std::sync::Arc::clone(&state);
            let channel = watch.channel().to_string();
            tokio::spawn(watch.run(move |event| {
                let state = std::sync::Arc::clone(&state);
                let reason = crate::datasets::ReloadReason::Other(match event {
                    crate::pgnotify::WatchEvent::Connected => format!("postgres LISTEN {channel} (re)connected"),
                    crate::pgnotify::WatchEvent::Published { payload } => format!("postgres NOTIFY {channel}: {payload}"),
                });
                async move {
                    if let Some(outcome) = state.reload(reason).await {
                        tracing::info!(result = ?outcome.result, dataset = %outcome.dataset_version, "reload after a publication");
                    }
                }
            }));
        }
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
        println!("{}", pretty_json(&out));
    } else {
        println!("{summary}");
        print!("{}", report::validation_text(&report));
    }
    Ok(if ok { EXIT_PERMITTED } else { EXIT_ERROR })
}

/// Pretty JSON for the terminal. Answers carry parts rendered once at load as compact JSON
/// ([`crate::assess::Shared`]), which the pretty printer would copy as they are; so the compact text is transcoded
/// into pretty form instead (field order kept, which a detour through `serde_json::Value` would sort).
fn pretty_json(v: &impl serde::Serialize) -> String {
    let transcode = || -> Result<Vec<u8>, serde_json::Error> {
        let compact = serde_json::to_vec(v)?;
        let mut out = Vec::with_capacity(compact.len() * 2);
        serde_transcode::transcode(&mut serde_json::Deserializer::from_slice(&compact), &mut serde_json::Serializer::pretty(&mut out))?;
        Ok(out)
    };
    transcode().ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default()
}
