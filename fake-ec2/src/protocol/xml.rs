//! A small XML tree that handlers return and envelopes serialise.
//!
//! Absent and empty differ on the wire: an element that is not emitted is an
//! absent field, `<tagSet/>` is an empty list. Builders make the choice
//! explicit (`opt_text` omits, `set` always emits).

use std::borrow::Cow;
use std::fmt::Display;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    name: Cow<'static, str>,
    body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    Text(String),
    Children(Vec<Node>),
}

impl Node {
    /// An element holding child elements (none yet).
    pub fn el(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            body: Body::Children(Vec::new()),
        }
    }

    /// An element holding text.
    pub fn text(name: impl Into<Cow<'static, str>>, value: impl Display) -> Self {
        Self {
            name: name.into(),
            body: Body::Text(value.to_string()),
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
        Self {
            name: name.into(),
            body: Body::Children(
                items
                    .into_iter()
                    .map(|mut n| {
                        n.name = Cow::Borrowed(item);
                        n
                    })
                    .collect(),
            ),
        }
    }

    /// A list of plain strings: `<name><item>v</item>..</name>`.
    pub fn string_set<S: Display>(
        name: impl Into<Cow<'static, str>>,
        items: impl IntoIterator<Item = S>,
    ) -> Self {
        Self::set(name, items.into_iter().map(|v| Node::text("item", v)))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Appends a child; a text element becomes a parent (its text is dropped).
    pub fn push(&mut self, child: Node) {
        match &mut self.body {
            Body::Children(children) => children.push(child),
            Body::Text(_) => self.body = Body::Children(vec![child]),
        }
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

    #[must_use]
    pub fn leaf(self, name: impl Into<Cow<'static, str>>, value: impl Display) -> Self {
        self.child(Node::text(name, value))
    }

    /// Appends a text child only when the value is present.
    #[must_use]
    pub fn opt_leaf<V: Display>(
        self,
        name: impl Into<Cow<'static, str>>,
        value: Option<V>,
    ) -> Self {
        match value {
            Some(v) => self.child(Node::text(name, v)),
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

    /// The text of a text element.
    pub fn text_value(&self) -> Option<&str> {
        match &self.body {
            Body::Text(t) => Some(t),
            Body::Children(_) => None,
        }
    }

    /// The child elements (empty for a text element).
    pub fn child_nodes(&self) -> &[Node] {
        match &self.body {
            Body::Children(c) => c,
            Body::Text(_) => &[],
        }
    }

    /// Serialises the element, escaping text.
    pub fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        match &self.body {
            Body::Text(t) => {
                out.push('>');
                escape_into(t, out);
            }
            Body::Children(c) if c.is_empty() => {
                out.push_str("/>");
                return;
            }
            Body::Children(c) => {
                out.push('>');
                for child in c {
                    child.write(out);
                }
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// Re-labels an `item` element (resource renderers produce list items) as
/// the single element a create or delete answer holds, e.g. `<vpc>`.
pub fn rename(node: Node, name: &'static str) -> Node {
    let mut out = Node::el(name);
    for c in node.child_nodes() {
        out.push(c.clone());
    }
    out
}

/// The text of the first element with this name, searched depth-first
/// (an id in the answer of a handler called from inside the fake).
pub fn first_text(nodes: &[Node], name: &str) -> Option<String> {
    nodes.iter().find_map(|n| {
        if n.name() == name {
            n.text_value().map(str::to_owned)
        } else {
            first_text(n.child_nodes(), name)
        }
    })
}

/// Escapes the five XML special characters and carriage returns (`&#xD;`:
/// a parser turns a raw CR or CR LF into a plain LF, so "a\r\nb" would come
/// back as "a\nb"), and replaces characters XML 1.0 cannot carry.
pub fn escape_into(text: &str, out: &mut String) {
    // Copies runs of plain text whole; most values need no escaping at all.
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (replacement, len) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&apos;", 1),
            b'\r' => ("&#xD;", 1),
            b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            0..=0x1f => ("\u{FFFD}", 1),
            // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters.
            0xEF if bytes.get(i + 1) == Some(&0xBF)
                && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) =>
            {
                ("\u{FFFD}", 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        i += len;
        start = i;
    }
    out.push_str(&text[start..]);
}

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
