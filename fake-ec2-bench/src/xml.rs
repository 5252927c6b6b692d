//! `--xml`: the fake's answer builder (`protocol::xml::Node`, on every
//! answer's path: each builder call writes its markup into the parent's
//! buffer) against quick-xml's `Writer`, both making the fake's own
//! DescribeVpcs answers (10 and 1000 dualstack VPCs) from the same list of
//! elements read back from those answers; and `escape_into` against
//! quick-xml's `escape` on typical values.
//!
//! Both must give the same bytes (checked once, before timing): the figures
//! compare equal work. quick-xml's `escape` covers `< > & ' "` only; the
//! fake's also writes `\r` as `&#xD;` and replaces characters XML 1.0 cannot
//! carry, so on equal footing quick-xml would need that pass on top.

use std::hint::black_box;
use std::time::Duration;

use fake_ec2::protocol::xml::{Node, escape_into};
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::{Args, Figure, call, measure, world_with_vpcs};

/// One step of an answer, as a handler makes it (element names are
/// `&'static str` there too).
enum Step {
    /// An element that holds elements.
    Open(&'static str),
    /// A parent with no children (`<a/>`).
    Empty(&'static str),
    /// A text element and its (unescaped) text.
    Leaf(&'static str, String),
    Close,
}

/// The answer's steps, read back from its XML (declaration stripped).
fn read_steps(doc: &str) -> Vec<Step> {
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut steps = Vec::new();
    // The open element and the text read inside it so far.
    let mut open: Option<(&'static str, String)> = None;
    loop {
        match reader.read_event().expect("the fake's answer is XML") {
            Event::Start(tag) => {
                if let Some((name, _)) = open.take() {
                    steps.push(Step::Open(name));
                }
                open = Some((owned_name(&tag), String::new()));
            }
            Event::Empty(tag) => {
                if let Some((name, _)) = open.take() {
                    steps.push(Step::Open(name));
                }
                steps.push(Step::Empty(owned_name(&tag)));
            }
            Event::Text(text) => {
                if let Some((_, t)) = open.as_mut() {
                    t.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(entity) => {
                let name: &str = &entity;
                let decoded = quick_xml::escape::resolve_predefined_entity(name)
                    .map(str::to_owned)
                    .or_else(|| entity.resolve_char_ref().ok().flatten().map(String::from))
                    .expect("a known entity");
                open.as_mut()
                    .expect("inside an element")
                    .1
                    .push_str(&decoded);
            }
            Event::End(_) => match open.take() {
                Some((name, text)) => steps.push(Step::Leaf(name, text)),
                None => steps.push(Step::Close),
            },
            Event::Eof => return steps,
            _ => {}
        }
    }
}

/// The tag's name, kept for the rest of the run (a few dozen names).
fn owned_name(tag: &BytesStart<'_>) -> &'static str {
    let name = tag.name();
    let name: &str = name.as_ref();
    Box::leak(name.to_owned().into_boxed_str())
}

/// The answer through the fake's builder, as its handlers make one: the
/// root's children are what a handler returns, and the root is written
/// around them as the envelope does (one buffer sized by the children).
fn node_string(steps: &[Step]) -> String {
    let mut root: Option<&str> = None;
    let mut children: Vec<Node> = Vec::new();
    let mut open: Vec<Node> = Vec::new();
    for step in steps {
        let done = match step {
            Step::Open(name) if root.is_none() => {
                root = Some(name);
                None
            }
            Step::Open(name) => {
                open.push(Node::el(*name));
                None
            }
            Step::Empty(name) => Some(Node::el(*name)),
            Step::Leaf(name, text) => match open.pop() {
                Some(parent) => {
                    open.push(parent.leaf(name, text));
                    None
                }
                None => Some(Node::text(*name, text)),
            },
            Step::Close => open.pop(),
        };
        if let Some(node) = done {
            match open.last_mut() {
                Some(parent) => parent.push(node),
                None => children.push(node),
            }
        }
    }
    let root = root.expect("the answer has a root");
    let mut out = String::with_capacity(
        2 * root.len() + 5 + children.iter().map(Node::wire_len).sum::<usize>(),
    );
    out.push('<');
    out.push_str(root);
    out.push('>');
    for c in &children {
        c.write(&mut out);
    }
    out.push_str("</");
    out.push_str(root);
    out.push('>');
    out
}

/// The same answer through quick-xml's writer (text escaped by `BytesText::new`).
fn quick_string(steps: &[Step]) -> Vec<u8> {
    let io = "writing to a Vec";
    let mut w = Writer::new(Vec::with_capacity(4096));
    let mut open: Vec<&'static str> = Vec::new();
    for step in steps {
        match step {
            Step::Open(name) => {
                w.write_event(Event::Start(BytesStart::new(*name)))
                    .expect(io);
                open.push(name);
            }
            Step::Empty(name) => {
                w.write_event(Event::Empty(BytesStart::new(*name)))
                    .expect(io);
            }
            Step::Leaf(name, text) => {
                w.write_event(Event::Start(BytesStart::new(*name)))
                    .expect(io);
                w.write_event(Event::Text(BytesText::new(text))).expect(io);
                w.write_event(Event::End(BytesEnd::new(*name))).expect(io);
            }
            Step::Close => {
                let name = open.pop().expect("an open element");
                w.write_event(Event::End(BytesEnd::new(name))).expect(io);
            }
        }
    }
    w.into_inner()
}

/// Values as answers carry them: ids, CIDRs, states, a tag, an error message.
const VALUES: &[&str] = &[
    "vpc-00000000000000001",
    "10.0.0.0/16",
    "2600:1f18:0:100::/56",
    "associated",
    "us-east-1",
    "kubernetes.io/cluster/my-cluster",
    "The CIDR '10.0.0.0/8' is invalid.",
    "Value (a<b) for parameter \"Name\" isn't valid & it's refused",
];

pub(crate) fn xml_mode(args: &Args) {
    let budget = Duration::from_millis(args.millis);
    println!(
        "fake-ec2 XML writer against quick-xml's ({} ms per figure)",
        args.millis
    );
    let mut ratios = Vec::new();
    for n in [10, 1000] {
        let fake = world_with_vpcs(n);
        let answer = call(&fake, "Action=DescribeVpcs&Version=2016-11-15");
        assert_eq!(answer.status, 200);
        let doc = answer
            .body
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .expect("the XML declaration");
        // The envelope writes the root's `xmlns` itself; the tree is the rest.
        let doc = doc.replacen(" xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"", "", 1);
        let steps = read_steps(&doc);
        let ours = node_string(&steps);
        assert!(ours == doc, "Node writes the answer back as it was");
        assert!(
            quick_string(&steps) == ours.as_bytes(),
            "both writers give the same bytes"
        );
        let bytes = ours.len();
        let min = if n > 100 { 20 } else { 200 };
        let node = measure(
            &format!("Node, DescribeVpcs of {n} VPCs ({bytes} bytes)"),
            budget,
            min,
            |_| {
                black_box(node_string(black_box(&steps)));
            },
        );
        let quick = measure(
            &format!("quick-xml Writer, DescribeVpcs of {n} VPCs ({bytes} bytes)"),
            budget,
            min,
            |_| {
                black_box(quick_string(black_box(&steps)));
            },
        );
        ratios.push((format!("{n} VPCs"), per(&quick) / per(&node)));
        node.print();
        quick.print();
    }

    let fake_escape = measure(
        &format!("escape_into, {} typical values", VALUES.len()),
        budget,
        1000,
        |_| {
            let mut out = String::with_capacity(256);
            for v in VALUES {
                escape_into(black_box(v), &mut out);
            }
            black_box(out);
        },
    );
    let quick_escape = measure(
        &format!("quick_xml::escape::escape, {} typical values", VALUES.len()),
        budget,
        1000,
        |_| {
            let mut out = String::with_capacity(256);
            for v in VALUES {
                out.push_str(&quick_xml::escape::escape(black_box(*v)));
            }
            black_box(out);
        },
    );
    ratios.push((
        "escaping".to_owned(),
        per(&quick_escape) / per(&fake_escape),
    ));
    fake_escape.print();
    quick_escape.print();
    for (what, ratio) in ratios {
        println!("quick-xml / fake-ec2 time, {what}: {ratio:.2}");
    }
}

/// Seconds per call.
fn per(f: &Figure) -> f64 {
    f.elapsed.as_secs_f64() / f.requests as f64
}
