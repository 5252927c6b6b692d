//! The answers handlers return and envelopes serialise.
//!
//! A [`Node`] is one element whose content is already in wire form: a
//! builder call writes a leaf's escaped text, or a child's markup, straight
//! into its parent's buffer. So an answer costs one buffer per element that
//! holds elements, not a tree of nodes and strings to build, walk and drop.
//!
//! Absent and empty differ on the wire: an element that is not emitted is an
//! absent field, `<tagSet/>` is an empty list. Builders make the choice
//! explicit (`opt_text` omits, `set` always emits).

use std::borrow::Cow;
use std::fmt::{self, Display, Write as _};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    name: Cow<'static, str>,
    /// The content as it goes on the wire: escaped text, or the children's markup.
    inner: String,
    /// A text element (`<a>..</a>`, even when empty) rather than a parent
    /// (`<a/>` while it has no children).
    text: bool,
}

const PARENT_CAPACITY: usize = 128;

/// Writes what it is given escaped, so a value's `Display` goes straight
/// into the answer.
struct Escaping<'a>(&'a mut String);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(s, self.0);
        Ok(())
    }
}

fn write_escaped(out: &mut String, value: impl Display) {
    write!(Escaping(out), "{value}").expect("writing to a String cannot fail");
}

impl Node {
    /// An element holding child elements (none yet).
    pub fn el(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            // Most parents hold a few leaves: one allocation, not a chain of
            // doublings from eight bytes.
            inner: String::with_capacity(PARENT_CAPACITY),
            text: false,
        }
    }

    /// An element holding text.
    pub fn text(name: impl Into<Cow<'static, str>>, value: impl Display) -> Self {
        let mut inner = String::new();
        write_escaped(&mut inner, value);
        Self {
            name: name.into(),
            inner,
            text: true,
        }
    }

    /// An EC2 list: `<name><item>..</item>..</name>`, emitted even when empty.
    pub fn set(name: impl Into<Cow<'static, str>>, items: impl IntoIterator<Item = Node>) -> Self {
        Self::list_of(name, "item", items)
    }

    /// An ELBv2 list: `<name><member>..</member>..</name>`, emitted even when empty.
    pub fn members(
        name: impl Into<Cow<'static, str>>,
        items: impl IntoIterator<Item = Node>,
    ) -> Self {
        Self::list_of(name, "member", items)
    }

    fn list_of(
        name: impl Into<Cow<'static, str>>,
        item: &'static str,
        items: impl IntoIterator<Item = Node>,
    ) -> Self {
        let mut list = Self::el(name);
        for n in items {
            n.write_as(item, &mut list.inner);
        }
        list
    }

    /// A list of plain strings: `<name><item>v</item>..</name>`.
    pub fn string_set<S: Display>(
        name: impl Into<Cow<'static, str>>,
        items: impl IntoIterator<Item = S>,
    ) -> Self {
        let mut list = Self::el(name);
        for v in items {
            list.inner.push_str("<item>");
            write_escaped(&mut list.inner, v);
            list.inner.push_str("</item>");
        }
        list
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The content of a parent, ready for a child; a text element becomes a
    /// parent (its text is dropped).
    fn content(&mut self) -> &mut String {
        if self.text {
            self.text = false;
            self.inner.clear();
        }
        &mut self.inner
    }

    /// Appends a child; a text element becomes a parent (its text is dropped).
    pub fn push(&mut self, child: Node) {
        child.write(self.content());
    }

    #[must_use]
    pub fn child(mut self, child: Node) -> Self {
        self.push(child);
        self
    }

    #[must_use]
    pub fn children(mut self, children: impl IntoIterator<Item = Node>) -> Self {
        for c in children {
            self.push(c);
        }
        self
    }

    /// Appends a text child.
    #[must_use]
    pub fn leaf(mut self, name: impl AsRef<str>, value: impl Display) -> Self {
        let name = name.as_ref();
        let out = self.content();
        out.push('<');
        out.push_str(name);
        out.push('>');
        write_escaped(out, value);
        out.push_str("</");
        out.push_str(name);
        out.push('>');
        self
    }

    /// Appends a text child only when the value is present.
    #[must_use]
    pub fn opt_leaf<V: Display>(self, name: impl AsRef<str>, value: Option<V>) -> Self {
        match value {
            Some(v) => self.leaf(name, v),
            None => self,
        }
    }

    /// Appends a child only when present.
    #[must_use]
    pub fn opt_child(self, child: Option<Node>) -> Self {
        match child {
            Some(c) => self.child(c),
            None => self,
        }
    }

    /// How many bytes [`Node::write`] adds (at most).
    pub fn wire_len(&self) -> usize {
        2 * self.name.len() + 5 + self.inner.len()
    }

    /// Serialises the element.
    pub fn write(&self, out: &mut String) {
        self.write_as(&self.name, out);
    }

    /// Serialises the element under another name (a list's `item`).
    fn write_as(&self, name: &str, out: &mut String) {
        out.push('<');
        out.push_str(name);
        if !self.text && self.inner.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        out.push_str(&self.inner);
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

/// Re-labels an `item` element (resource renderers produce list items) as
/// the single element a create or delete answer holds, e.g. `<vpc>`.
pub fn rename(node: Node, name: &'static str) -> Node {
    let mut out = node;
    out.name = Cow::Borrowed(name);
    out.content();
    out
}

/// The text of the first text element with this name, searched depth-first
/// (an id in the answer of a handler called from inside the fake). A parent
/// of that name is passed over, children and all.
pub fn first_text(nodes: &[Node], name: &str) -> Option<String> {
    nodes.iter().find_map(|n| {
        if n.name == name {
            n.text.then(|| unescape(&n.inner))
        } else if n.text {
            None
        } else {
            first_text_in(&n.inner, name)
        }
    })
}

/// [`first_text`] over a parent's content, as this module wrote it: sibling
/// elements, each `<a/>`, `<a>text</a>` or `<a>elements</a>`, text escaped
/// (so it holds no `<`).
fn first_text_in(mut markup: &str, name: &str) -> Option<String> {
    while let Some(rest) = markup.strip_prefix('<') {
        let end = rest.find('>')?;
        let tag = &rest[..end];
        let after = &rest[end + 1..];
        if tag.ends_with('/') {
            // `<a/>`: a parent with no children.
            markup = after;
            continue;
        }
        let len = element_content_len(after)?;
        let content = &after[..len];
        // Escaped text holds no `<`; `<a></a>` is an empty text.
        let is_text = !content.contains('<');
        if tag == name {
            if is_text {
                return Some(unescape(content));
            }
        } else if !is_text && let Some(found) = first_text_in(content, name) {
            return Some(found);
        }
        // Past `content</tag>`.
        markup = &after[len + tag.len() + 3..];
    }
    None
}

/// The length of an element's content up to its matching `</tag>`.
fn element_content_len(after: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(lt) = after[at..].find('<') {
        let pos = at + lt;
        let rest = &after[pos + 1..];
        let close = rest.find('>')?;
        let inner = &rest[..close];
        if inner.starts_with('/') {
            if depth == 0 {
                return Some(pos);
            }
            depth -= 1;
        } else if !inner.ends_with('/') {
            depth += 1;
        }
        at = pos + 1 + close + 1;
    }
    None
}

/// Reverses [`escape_into`]'s entities (its U+FFFD replacements stay).
fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let (ch, len) = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&apos;", '\''),
            ("&#xD;", '\r'),
        ]
        .iter()
        .find(|(entity, _)| rest.starts_with(entity))
        .map_or(('&', 1), |(entity, ch)| (*ch, entity.len()));
        out.push(ch);
        rest = &rest[len..];
    }
    out.push_str(rest);
    out
}

/// Escapes the five XML special characters and carriage returns (`&#xD;`:
/// a parser turns a raw CR or CR LF into a plain LF, so "a\r\nb" would come
/// back as "a\nb"), and replaces characters XML 1.0 cannot carry.
pub fn escape_into(text: &str, out: &mut String) {
    // Copies runs of plain text whole; most values need no escaping at all,
    // and a table lookup per byte finds the few that do.
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while let Some(skip) = bytes[i..].iter().position(|&b| SPECIAL[usize::from(b)]) {
        i += skip;
        let (replacement, len) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&apos;", 1),
            b'\r' => ("&#xD;", 1),
            0..=0x1f => ("\u{FFFD}", 1),
            // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters.
            _ if bytes.get(i + 1) == Some(&0xBF)
                && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) =>
            {
                ("\u{FFFD}", 3)
            }
            // Another character starting with EF: plain text.
            _ => ("", 0),
        };
        if len == 0 {
            i += 1;
            continue;
        }
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        i += len;
        start = i;
    }
    out.push_str(&text[start..]);
}

/// The bytes [`escape_into`] looks at: the five specials, controls other
/// than tab and newline (carriage return among them), and 0xEF, the first
/// byte of U+FFFE and U+FFFF.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b != 0x09 && b != 0x0A;
        b += 1;
    }
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[0xEF] = true;
    t
};

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_sets_text_and_empty() {
        let n = Node::el("vpc")
            .leaf("vpcId", "vpc-1")
            .child(Node::set("tagSet", [Node::el("x").leaf("key", "a<b")]))
            .child(Node::set("ipv6CidrBlockAssociationSet", []))
            .opt_leaf("absent", None::<&str>);
        let mut s = String::new();
        n.write(&mut s);
        assert_eq!(
            s,
            "<vpc><vpcId>vpc-1</vpcId><tagSet><item><key>a&lt;b</key></item></tagSet><ipv6CidrBlockAssociationSet/></vpc>"
        );
    }

    #[test]
    fn lists_rename_their_items_and_renames_move() {
        let items = [Node::el("vpc").leaf("vpcId", "vpc-1"), Node::el("vpc")];
        let mut s = String::new();
        Node::set("vpcSet", items).write(&mut s);
        assert_eq!(
            s,
            "<vpcSet><item><vpcId>vpc-1</vpcId></item><item/></vpcSet>"
        );
        let mut s = String::new();
        Node::members("Names", [Node::text("x", "a"), Node::text("x", "")])
            .child(Node::string_set("ids", ["i-1", "<"]))
            .write(&mut s);
        assert_eq!(
            s,
            "<Names><member>a</member><member></member><ids><item>i-1</item><item>&lt;</item></ids></Names>"
        );
        let mut s = String::new();
        rename(Node::el("item").leaf("vpcId", "vpc-2"), "vpc").write(&mut s);
        assert_eq!(s, "<vpc><vpcId>vpc-2</vpcId></vpc>");
        // A text element given a child is a parent; renaming one gives an
        // empty parent.
        let mut s = String::new();
        Node::text("a", "dropped").leaf("b", 1).write(&mut s);
        rename(Node::text("c", "t"), "d").write(&mut s);
        assert_eq!(s, "<a><b>1</b></a><d/>");
    }

    #[test]
    fn first_text_reads_back_what_was_written() {
        let answer = [
            Node::text("requestId", "r-1"),
            Node::el("vpc")
                .child(Node::el("empty"))
                .leaf("blank", "")
                .child(Node::el("vpcId").leaf("vpcId", "inner"))
                .child(
                    Node::set("tagSet", [Node::el("t").leaf("value", "a&b<'\"\r>")])
                        .leaf("vpcId", "vpc-9"),
                ),
        ];
        assert_eq!(first_text(&answer, "requestId").as_deref(), Some("r-1"));
        assert_eq!(first_text(&answer, "value").as_deref(), Some("a&b<'\"\r>"));
        assert_eq!(first_text(&answer, "blank").as_deref(), Some(""));
        // The parent `vpcId` is passed over with what it holds.
        assert_eq!(first_text(&answer, "vpcId").as_deref(), Some("vpc-9"));
        assert_eq!(first_text(&answer, "empty"), None);
        assert_eq!(first_text(&answer, "missing"), None);
    }

    #[test]
    fn control_characters_never_break_the_document() {
        assert_eq!(escape("a\u{0}b&\"'"), "a\u{FFFD}b&amp;&quot;&apos;");
        assert_eq!(
            escape("x\u{FFFE}y\u{FFFF}z\u{FFFD}"),
            "x\u{FFFD}y\u{FFFD}z\u{FFFD}"
        );
        assert_eq!(escape("tab\tnl\ncr\r<é>"), "tab\tnl\ncr&#xD;&lt;é&gt;");
        assert_eq!(escape("a\r\nb\r"), "a&#xD;\nb&#xD;");
        assert_eq!(escape("plain"), "plain");
    }
}
