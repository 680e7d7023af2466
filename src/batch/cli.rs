//! `ecogate batch`: read the site list, assess it on a rayon pool with a progress bar on stderr (hidden when stderr
//! is not a terminal), write the results, print a summary. Exit 0 whenever the batch ran: row errors are results.

use super::write::OutputFormat;
use super::{BatchOptions, Counts};
use crate::assess::AssessOptions;
use crate::cli::{BatchArgs, Failure, EXIT_PERMITTED};
use crate::upload::UploadLimits;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::Instant;

pub fn run(args: &BatchArgs) -> Result<i32, Failure> {
    if !args.radius.is_finite() || !(0.0..=50_000.0).contains(&args.radius) {
        return Err(Failure::Usage("--radius must be between 0 and 50000 metres".into()));
    }
    let format = match &args.format {
        Some(f) => OutputFormat::parse(f).ok_or_else(|| Failure::Usage(format!("--format {f:?}: use csv, xlsx or geojson")))?,
        None => OutputFormat::from_path(&args.out).ok_or_else(|| {
            Failure::Usage(format!("cannot tell the output format from {}: give --format csv|xlsx|geojson", args.out.display()))
        })?,
    };
    let mut default_facts = Vec::new();
    for f in &args.facts {
        let (k, v) = f.split_once('=').ok_or_else(|| Failure::Usage(format!("--fact {f:?}: expected NAME=VALUE")))?;
        default_facts.push((k.trim().to_string(), v.trim().to_string()));
    }
    let bytes = std::fs::read(&args.input).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", args.input.display())))?;
    let engine = args.data.engine()?;
    crate::hugepages::back_loaded_data_in_background();
    // Batch-wide facts are checked once, up front: a typo there would otherwise become the error of every row.
    engine
        .parse_facts(default_facts.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|m| Failure::Usage(format!("--fact: {m}")))?;
    let options = BatchOptions { crs: args.crs.clone(), towgs84: args.towgs84.clone(), default_facts };
    let name = args.input.file_name().map(|n| n.to_string_lossy().into_owned());
    // Local files: no size or vertex limit beyond memory, as for `check --file`.
    let limits = UploadLimits { max_bytes: usize::MAX, max_vertices: usize::MAX };
    let input = super::read(&engine, bytes, name.as_deref(), &options, &limits)
        .map_err(|e| Failure::Usage(format!("{}: {e}\n{}", args.input.display(), e.message_zh())))?;
    let total = input.rows.len() as u64;

    let bar = ProgressBar::with_draw_target(Some(total), if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() });
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows ({per_sec}, eta {eta})") {
        bar.set_style(style);
    }
    let pool = {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(n) = args.jobs.filter(|n| *n > 0) {
            b = b.num_threads(n);
        }
        b.build().map_err(|e| Failure::Usage(format!("cannot start worker threads: {e}")))?
    };
    let started = Instant::now();
    let assess = AssessOptions { nearby_radius_m: args.radius, ..engine.options };
    let results = pool.install(|| super::run(&engine, input, assess, &|| bar.inc(1)));
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();

    let write = |out: &mut dyn Write| super::write::write(&results, format, out);
    if args.out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        write(&mut stdout.lock()).map_err(|e| Failure::Usage(e.to_string()))?;
    } else {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(&args.out).map_err(|e| Failure::Usage(format!("cannot create {}: {e}", args.out.display())))?,
        );
        write(&mut f).map_err(|e| Failure::Usage(format!("{}: {e}", args.out.display())))?;
        f.flush().map_err(|e| Failure::Usage(format!("{}: {e}", args.out.display())))?;
    }
    let counts = Counts::of(&results.rows);
    eprintln!(
        "{total} rows in {elapsed:.1} s ({:.0} rows/s): {}; dataset {}, rulebook {}",
        total as f64 / elapsed.max(1e-9),
        counts.summary(),
        results.provenance.dataset_version,
        results.provenance.rulebook_version
    );
    for r in results.rows.iter().filter_map(|r| r.outcome.as_ref().err().map(|e| (r.row_no, e))).take(5) {
        eprintln!("  row {}: {} ({})", r.0, r.1.message, r.1.code);
    }
    Ok(EXIT_PERMITTED)
}
