//! The four envelopes: EC2 success and error (`ec2Query`), ELBv2 success and
//! error (`awsQuery`). Clients choose the error path by HTTP status alone, so
//! an error body is never sent with a 2xx.

use super::error::AwsError;
use super::xml::{Node, escape_into};

const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// The envelope (declaration, namespace, request id) and the children: one
/// allocation for the whole answer.
fn capacity(children: &[Node]) -> usize {
    256 + children.iter().map(Node::wire_len).sum::<usize>()
}

/// `<ActionResponse xmlns=...><requestId/>...children...</ActionResponse>`:
/// no Result wrapper, as EC2 answers.
pub fn ec2_success(action: &str, xmlns: &str, request_id: &str, children: &[Node]) -> String {
    let mut out = String::with_capacity(capacity(children));
    out.push_str(DECL);
    out.push('<');
    out.push_str(action);
    out.push_str("Response xmlns=\"");
    out.push_str(xmlns);
    out.push_str("\"><requestId>");
    escape_into(request_id, &mut out);
    out.push_str("</requestId>");
    for c in children {
        c.write(&mut out);
    }
    out.push_str("</");
    out.push_str(action);
    out.push_str("Response>");
    out
}

/// `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
pub fn ec2_error(err: &AwsError, request_id: &str) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(DECL);
    out.push_str("<Response><Errors><Error><Code>");
    escape_into(&err.code, &mut out);
    out.push_str("</Code><Message>");
    escape_into(&err.message, &mut out);
    out.push_str("</Message></Error></Errors><RequestID>");
    escape_into(request_id, &mut out);
    out.push_str("</RequestID></Response>");
    out
}

/// `<ActionResponse xmlns=...><ActionResult>...</ActionResult><ResponseMetadata>...`:
/// the Result element always comes first, even when empty.
pub fn query_success(action: &str, xmlns: &str, request_id: &str, children: &[Node]) -> String {
    let mut out = String::with_capacity(capacity(children));
    out.push_str(DECL);
    out.push('<');
    out.push_str(action);
    out.push_str("Response xmlns=\"");
    out.push_str(xmlns);
    out.push_str("\">");
    // The Result element comes first, even when empty (`<XResult/>`).
    out.push('<');
    out.push_str(action);
    if children.is_empty() {
        out.push_str("Result/>");
    } else {
        out.push_str("Result>");
        for c in children {
            c.write(&mut out);
        }
        out.push_str("</");
        out.push_str(action);
        out.push_str("Result>");
    }
    out.push_str("<ResponseMetadata><RequestId>");
    escape_into(request_id, &mut out);
    out.push_str("</RequestId></ResponseMetadata></");
    out.push_str(action);
    out.push_str("Response>");
    out
}

/// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`
pub fn query_error(err: &AwsError, xmlns: &str, request_id: &str) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(DECL);
    out.push_str("<ErrorResponse xmlns=\"");
    out.push_str(xmlns);
    out.push_str("\"><Error><Type>");
    out.push_str(if err.is_server_fault() {
        "Receiver"
    } else {
        "Sender"
    });
    out.push_str("</Type><Code>");
    escape_into(&err.code, &mut out);
    out.push_str("</Code><Message>");
    escape_into(&err.message, &mut out);
    out.push_str("</Message></Error><RequestId>");
    escape_into(request_id, &mut out);
    out.push_str("</RequestId></ErrorResponse>");
    out
}
