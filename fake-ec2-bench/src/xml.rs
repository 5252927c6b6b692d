//! `--xml`: the fake's XML writer (`protocol::xml::Node::write`, on every
//! answer's path) against quick-xml's `Writer`, on the fake's own
//! DescribeVpcs answers (10 and 1000 dualstack VPCs) read back into `Node`
//! trees; and `escape_into` against quick-xml's `escape` on typical values.
//!
//! Both writers must give the same bytes for these trees (checked once,
//! before timing): the figures compare equal work. quick-xml's `escape`
//! covers `< > & ' "` only; the fake's also writes `\r` as `&#xD;` and
//! replaces characters XML 1.0 cannot carry, so on equal footing quick-xml
//! would need that pass on top.

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Duration;

use fake_ec2::protocol::xml::{Node, escape_into};
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::{Args, Figure, call, measure, world_with_vpcs};

/// The answer's tree, read back from its XML (declaration stripped).
fn read_tree(doc: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut open: Vec<(Node, String)> = Vec::new();
    loop {
        match reader.read_event().expect("the fake's answer is XML") {
            Event::Start(tag) => {
                open.push((Node::el(owned_name(&tag)), String::new()));
            }
            Event::Empty(tag) => {
                let node = Node::el(owned_name(&tag));
                open.last_mut().expect("a parent").0.push(node);
            }
            Event::Text(text) => {
                if let Some((_, t)) = open.last_mut() {
                    t.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(entity) => {
                let name: &str = &entity;
                let decoded = quick_xml::escape::resolve_predefined_entity(name)
                    .map(str::to_owned)
                    .or_else(|| entity.resolve_char_ref().ok().flatten().map(String::from))
                    .expect("a known entity");
                open.last_mut()
                    .expect("inside an element")
                    .1
                    .push_str(&decoded);
            }
            Event::End(_) => {
                let (node, text) = open.pop().expect("an open element");
                let node = if node.child_nodes().is_empty() {
                    Node::text(Cow::Owned(node.name().to_owned()), text)
                } else {
                    node
                };
                match open.last_mut() {
                    Some((parent, _)) => parent.push(node),
                    None => return node,
                }
            }
            Event::Eof => panic!("the answer ended inside an element"),
            _ => {}
        }
    }
}

fn owned_name(tag: &BytesStart<'_>) -> String {
    let name = tag.name();
    let name: &str = name.as_ref();
    name.to_owned()
}

/// The same tree through quick-xml's writer (text escaped by `BytesText::new`).
fn write_quick(node: &Node, w: &mut Writer<Vec<u8>>) {
    let io = "writing to a Vec";
    if let Some(text) = node.text_value() {
        w.write_event(Event::Start(BytesStart::new(node.name())))
            .expect(io);
        w.write_event(Event::Text(BytesText::new(text))).expect(io);
        w.write_event(Event::End(BytesEnd::new(node.name())))
            .expect(io);
    } else if node.child_nodes().is_empty() {
        w.write_event(Event::Empty(BytesStart::new(node.name())))
            .expect(io);
    } else {
        w.write_event(Event::Start(BytesStart::new(node.name())))
            .expect(io);
        for child in node.child_nodes() {
            write_quick(child, w);
        }
        w.write_event(Event::End(BytesEnd::new(node.name())))
            .expect(io);
    }
}

fn node_string(tree: &Node) -> String {
    let mut out = String::with_capacity(4096);
    tree.write(&mut out);
    out
}

fn quick_string(tree: &Node) -> Vec<u8> {
    let mut w = Writer::new(Vec::with_capacity(4096));
    write_quick(tree, &mut w);
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
        let tree = read_tree(&doc);
        let ours = node_string(&tree);
        assert!(ours == doc, "Node writes the answer back as it was");
        assert!(
            quick_string(&tree) == ours.as_bytes(),
            "both writers give the same bytes"
        );
        let bytes = ours.len();
        let min = if n > 100 { 20 } else { 200 };
        let node = measure(
            &format!("Node::write, DescribeVpcs of {n} VPCs ({bytes} bytes)"),
            budget,
            min,
            |_| {
                black_box(node_string(black_box(&tree)));
            },
        );
        let quick = measure(
            &format!("quick-xml Writer, DescribeVpcs of {n} VPCs ({bytes} bytes)"),
            budget,
            min,
            |_| {
                black_box(quick_string(black_box(&tree)));
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
