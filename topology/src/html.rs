//! One self-contained HTML page: its own styles, no external assets, so it
//! opens offline from a file or a CI artifact.

use std::fmt::Write as _;

use crate::svg::esc;

/// One row of [`Page::index_table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRow {
    /// The page the row is about, relative to the index; `None`: no page.
    pub href: Option<String>,
    pub file: String,
    pub name: String,
    pub result: String,
    /// The result's status class: `ok`, `failed` or `note`.
    pub class: &'static str,
}

/// A page under construction. Text goes in escaped; [`Page::markup`] takes
/// markup this crate (or its caller) made, such as a picture.
#[derive(Debug, Clone)]
pub struct Page {
    title: String,
    body: String,
    script: Option<String>,
}

impl Page {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            body: String::new(),
            script: None,
        }
    }

    /// A heading, `level` 1 to 4.
    pub fn heading(&mut self, level: u8, text: &str) -> &mut Self {
        let level = level.clamp(1, 4);
        let _ = writeln!(self.body, "<h{level}>{}</h{level}>", esc(text));
        self
    }

    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.body, "<p>{}</p>", esc(text));
        self
    }

    /// A paragraph with a class (`ok`, `failed`, `note`).
    pub fn status(&mut self, class: &str, text: &str) -> &mut Self {
        let _ = writeln!(self.body, "<p class=\"{}\">{}</p>", esc(class), esc(text));
        self
    }

    /// Text kept as it is laid out (a plan tree, a message).
    pub fn preformatted(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.body, "<pre>{}</pre>", esc(text));
        self
    }

    /// A picture or other markup made by trusted code (never user text).
    pub fn markup(&mut self, markup: &str) -> &mut Self {
        self.body.push_str("<div class=\"picture\">");
        self.body.push_str(markup);
        self.body.push_str("</div>\n");
        self
    }

    /// A table of text cells; `class` names it for styles and tests.
    pub fn table(&mut self, class: &str, headers: &[&str], rows: &[Vec<String>]) -> &mut Self {
        let _ = write!(self.body, "<table class=\"{}\"><thead><tr>", esc(class));
        for h in headers {
            let _ = write!(self.body, "<th>{}</th>", esc(h));
        }
        self.body.push_str("</tr></thead><tbody>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                let _ = write!(self.body, "<td>{}</td>", esc(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</tbody></table>\n");
        self
    }

    /// An index of pages of the same set: a row per page, its file
    /// linked to it (a relative path) when there is one, its name, and its
    /// result in the row's status class (`ok`, `failed`, `note`).
    pub fn index_table(&mut self, rows: impl IntoIterator<Item = IndexRow>) -> &mut Self {
        self.body.push_str(
            "<table class=\"index\"><thead><tr><th>file</th><th>name</th><th>result</th></tr></thead><tbody>\n",
        );
        for row in rows {
            let file_cell = match &row.href {
                Some(h) => format!("<a href=\"{}\">{}</a>", esc(h), esc(&row.file)),
                None => esc(&row.file),
            };
            let _ = writeln!(
                self.body,
                "<tr><td>{file_cell}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                esc(&row.name),
                esc(row.class),
                esc(&row.result)
            );
        }
        self.body.push_str("</tbody></table>\n");
        self
    }

    /// A link to another page of the same set (a relative path).
    pub fn link(&mut self, href: &str, text: &str) -> &mut Self {
        let _ = writeln!(
            self.body,
            "<p><a href=\"{}\">{}</a></p>",
            esc(href),
            esc(text)
        );
        self
    }

    /// A script run when the page loads (the fake's live view refreshes
    /// itself); inline, like everything else.
    pub fn script(&mut self, script: &str) -> &mut Self {
        self.script = Some(script.to_owned());
        self
    }

    pub fn finish(&self) -> String {
        let mut o = String::with_capacity(self.body.len() + 2048);
        o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        let _ = write!(o, "<title>{}</title>", esc(&self.title));
        o.push_str(PAGE_STYLE);
        o.push_str("</head>\n<body>\n");
        let _ = writeln!(o, "<h1>{}</h1>", esc(&self.title));
        o.push_str(&self.body);
        if let Some(s) = &self.script {
            // `</` cannot end the script early: scripts here are ours.
            let _ = writeln!(o, "<script>{}</script>", s.replace("</", "<\\/"));
        }
        o.push_str("</body></html>\n");
        o
    }
}

const PAGE_STYLE: &str = "<style>\
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2330;background:#fff}\
h1{font-size:22px}h2{font-size:18px;margin-top:28px}h3{font-size:15px}\
.picture{overflow:auto;border:1px solid #d8dce4;padding:8px;background:#fff}\
table{border-collapse:collapse;margin:8px 0;font-size:13px}\
th,td{border:1px solid #d8dce4;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f1f3f7}\
pre{background:#f6f7f9;padding:8px;overflow:auto;font-size:12px}\
.ok{color:#1e7b34;font-weight:bold}.failed{color:#b3261e;font-weight:bold}.note{color:#5b6577}\
tr.error td{background:#fdecea}tr.warning td{background:#fff6e0}\
</style>";
