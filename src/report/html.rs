//! The report as one self-contained HTML document: inline CSS with print rules for A4, the figure inlined as SVG,
//! no external resource (it is filed, mailed and opened offline). Every text from the data — zone names,
//! requirement texts, cited law, facts — is escaped.

use super::content::{blocks, Block};
use super::figure::Figure;
use super::{Lang, ReportInput};
use crate::assess::Verdict;
use std::fmt::Write;

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{--ink:#1d1d1f;--muted:#5f6368;--line:#d0d4d9;--prohibited:#b3261e;--restricted:#b26a00;--permitted:#1e7a3c;--undetermined:#44546a}
*{box-sizing:border-box}
body{margin:0;background:#eceff1;color:var(--ink);font:14px/1.6 "WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei","PingFang SC",system-ui,sans-serif}
main{max-width:210mm;margin:16px auto;background:#fff;padding:18mm 16mm;box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:22px;margin:0 0 4px;line-height:1.3}
.subtitle{color:var(--muted);margin:0 0 12px;font-size:13px}
h2{font-size:17px;margin:22px 0 8px;padding-bottom:3px;border-bottom:2px solid var(--ink);break-after:avoid;page-break-after:avoid}
h3{font-size:14.5px;margin:14px 0 6px;break-after:avoid;page-break-after:avoid}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f5f7;font-weight:600}
table.fields th{width:30%}
tr{break-inside:avoid;page-break-inside:avoid}
.notice{border:2px solid #b3261e;background:#fdecea;color:#7f1d1d;padding:8px 12px;margin:12px 0;font-weight:600}
.verdict{border-left:8px solid var(--undetermined);background:#f6f7f9;padding:10px 14px;margin:8px 0}
.verdict .label{font-size:24px;font-weight:700;color:var(--undetermined)}
.verdict.prohibited{border-color:var(--prohibited)}.verdict.prohibited .label{color:var(--prohibited)}
.verdict.restricted{border-color:var(--restricted)}.verdict.restricted .label{color:var(--restricted)}
.verdict.permitted{border-color:var(--permitted)}.verdict.permitted .label{color:var(--permitted)}
blockquote{margin:4px 0 8px;padding:6px 10px;border-left:3px solid var(--line);background:#fafafa;color:#333}
figure{margin:8px 0 12px;break-inside:avoid;page-break-inside:avoid}
figure svg{width:100%;height:auto;display:block}
figcaption{font-size:12px;color:var(--muted);margin-top:4px}
ul{margin:4px 0 10px;padding-left:20px}
footer{margin-top:18px;font-size:12px;color:var(--muted);border-top:1px solid var(--line);padding-top:6px}
@page{size:A4;margin:16mm 14mm}
@media print{body{background:#fff}main{margin:0;padding:0;max-width:none;box-shadow:none}.notice,.verdict,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

fn verdict_class(v: Verdict) -> &'static str {
    v.as_str()
}

/// The whole HTML document.
pub fn render(input: &ReportInput, figure: &Figure, lang: Lang) -> String {
    let mut s = String::with_capacity(128 * 1024);
    let title = super::content::title(lang);
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} · {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        lang.tag(),
        escape(&title),
        escape(&input.meta.id)
    );
    for b in blocks(input, &figure.caption, lang) {
        block(&mut s, &b, figure);
    }
    let _ = write!(
        s,
        "<footer>{} {} · {} {}</footer>\n</main>\n</body>\n</html>\n",
        escape(lang.pick("报告编号", "Report id")),
        escape(&input.meta.id),
        escape(lang.pick("生成时间", "Generated")),
        escape(&input.meta.generated_at)
    );
    s
}

fn block(s: &mut String, b: &Block, figure: &Figure) {
    match b {
        Block::Title { title, subtitle } => {
            let _ = writeln!(s, "<h1>{}</h1>\n<p class=\"subtitle\">{}</p>", escape(title), escape(subtitle));
        }
        Block::Notice(text) => {
            let _ = writeln!(s, "<div class=\"notice\" role=\"note\" id=\"illustrative-notice\">{}</div>", escape(text));
        }
        Block::Verdict { verdict, label, summary } => {
            let _ = writeln!(
                s,
                "<div class=\"verdict {}\" id=\"verdict\" data-verdict=\"{}\"><div class=\"label\">{}</div><div>{}</div></div>",
                verdict_class(*verdict),
                verdict.as_str(),
                escape(label),
                escape(summary)
            );
        }
        Block::Heading(t) => {
            let _ = writeln!(s, "<h2>{}</h2>", escape(t));
        }
        Block::Subheading(t) => {
            let _ = writeln!(s, "<h3>{}</h3>", escape(t));
        }
        Block::Para(t) => {
            let _ = writeln!(s, "<p>{}</p>", escape(t));
        }
        Block::Quote(t) => {
            let _ = writeln!(s, "<blockquote>{}</blockquote>", escape(t));
        }
        Block::Fields(fields) => {
            s.push_str("<table class=\"fields\">");
            for (k, v) in fields {
                let _ = write!(s, "<tr><th scope=\"row\">{}</th><td>{}</td></tr>", escape(k), escape(v));
            }
            s.push_str("</table>\n");
        }
        Block::Table { columns, rows } => {
            s.push_str("<table><thead><tr>");
            for (c, w) in columns {
                let _ = write!(s, "<th style=\"width:{:.0}%\">{}</th>", w * 100.0, escape(c));
            }
            s.push_str("</tr></thead><tbody>");
            for row in rows {
                s.push_str("<tr>");
                for cell in row {
                    let _ = write!(s, "<td>{}</td>", escape(cell));
                }
                s.push_str("</tr>");
            }
            s.push_str("</tbody></table>\n");
        }
        Block::Bullets(items) => {
            s.push_str("<ul>");
            for i in items {
                let _ = write!(s, "<li>{}</li>", escape(i));
            }
            s.push_str("</ul>\n");
        }
        Block::Figure { caption } => {
            let _ = writeln!(s, "<figure>{}<figcaption>{}</figcaption></figure>", figure.svg, escape(caption));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn data_is_escaped() {
        assert_eq!(escape(r#"<b>"甲"&'乙'</b>"#), "&lt;b&gt;&quot;甲&quot;&amp;&#39;乙&#39;&lt;/b&gt;");
    }
}
