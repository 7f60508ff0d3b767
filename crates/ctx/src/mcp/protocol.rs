//! The wire: newline-delimited JSON-RPC 2.0 messages, the protocol
//! revisions `ctx mcp` serves, and the shapes that differ between them.
//!
//! Two eras share one process. A client of the revisions up to 2025-11-25
//! says `initialize` once and every later request is served in the
//! revision agreed there; a client of 2026-07-28 sends no handshake and
//! names its revision in each request's `_meta`.

use serde_json::{Map, Value, json};

/// A protocol revision this server speaks, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Revision {
    V2024_11_05,
    V2025_03_26,
    V2025_06_18,
    V2025_11_25,
    V2026_07_28,
}

impl Revision {
    /// Revisions with the `initialize` handshake.
    pub const HANDSHAKE: [Self; 4] = [
        Self::V2024_11_05,
        Self::V2025_03_26,
        Self::V2025_06_18,
        Self::V2025_11_25,
    ];
    /// The newest handshake revision: the answer to an `initialize` that
    /// asks for one this server does not know.
    pub const LATEST_HANDSHAKE: Self = Self::V2025_11_25;
    /// Revisions served statelessly, by per-request `_meta`.
    pub const MODERN: [Self; 1] = [Self::V2026_07_28];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::HANDSHAKE
            .into_iter()
            .chain(Self::MODERN)
            .find(|r| r.as_str() == s)
    }

    /// Whether requests carry their revision in `_meta` and results say
    /// `resultType`.
    pub fn is_modern(self) -> bool {
        self >= Self::V2026_07_28
    }

    /// Tools carry `annotations`.
    pub fn has_annotations(self) -> bool {
        self >= Self::V2025_03_26
    }

    /// Tools carry `title` and `outputSchema`, results `structuredContent`,
    /// and resources and prompts a `title`.
    pub fn has_structured(self) -> bool {
        self >= Self::V2025_06_18
    }
}

/// Per-request `_meta` keys of 2026-07-28.
pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// JSON-RPC and MCP error codes.
pub mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    /// A resource that does not exist, up to 2025-11-25 (2026-07-28 uses
    /// invalid params).
    pub const RESOURCE_NOT_FOUND: i64 = -32002;
    /// 2026-07-28: the request's revision is not one this server serves.
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
}

/// An error response's body.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_PARAMS, message)
    }
}

/// One message read from the client.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// A request: it gets exactly one response.
    Request {
        id: Value,
        method: String,
        params: Map<String, Value>,
    },
    /// A notification: it never gets a response.
    Notification {
        method: String,
        params: Map<String, Value>,
    },
    /// A response to a request; this server sends none, so it is ignored.
    Response,
    /// Not a message: answered with this error (and the id, when one
    /// could be read).
    Invalid { id: Value, error: RpcError },
}

/// A line read from stdin: one message, or a batch of them.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    One(Incoming),
    Batch(Vec<Incoming>),
}

/// Reads one line of input.
pub fn parse_line(line: &str) -> Line {
    match serde_json::from_str::<Value>(line) {
        Err(e) => Line::One(Incoming::Invalid {
            id: Value::Null,
            error: RpcError::new(code::PARSE_ERROR, format!("Parse error: {e}")),
        }),
        Ok(Value::Array(items)) if items.is_empty() => Line::One(Incoming::Invalid {
            id: Value::Null,
            error: RpcError::new(code::INVALID_REQUEST, "Invalid Request: an empty batch"),
        }),
        Ok(Value::Array(items)) => Line::Batch(items.into_iter().map(classify).collect()),
        Ok(value) => Line::One(classify(value)),
    }
}

/// What kind of message a JSON value is.
pub fn classify(value: Value) -> Incoming {
    let invalid = |id: Value, why: &str| Incoming::Invalid {
        id,
        error: RpcError::new(code::INVALID_REQUEST, format!("Invalid Request: {why}")),
    };
    let Value::Object(mut obj) = value else {
        return invalid(Value::Null, "a message is a JSON object");
    };
    let id = obj.remove("id");
    // An id that is neither a string nor an integer cannot be echoed back.
    let id_ok = match &id {
        None => true,
        Some(Value::String(_)) => true,
        Some(Value::Number(n)) => n.is_i64() || n.is_u64(),
        Some(_) => false,
    };
    let shown_id = match (&id, id_ok) {
        (Some(id), true) => id.clone(),
        _ => Value::Null,
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(shown_id, "`jsonrpc` must be \"2.0\"");
    }
    if !id_ok {
        return invalid(Value::Null, "`id` must be a string or an integer");
    }
    let method = match obj.remove("method") {
        Some(Value::String(m)) => m,
        Some(_) => return invalid(shown_id, "`method` must be a string"),
        None if id.is_some() && (obj.contains_key("result") || obj.contains_key("error")) => {
            return Incoming::Response;
        }
        None => return invalid(shown_id, "no `method`"),
    };
    let params = match obj.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p,
        Some(_) => return invalid(shown_id, "`params` must be an object"),
    };
    match id {
        Some(id) => Incoming::Request { id, method, params },
        None => Incoming::Notification { method, params },
    }
}

/// A success response, as one line of compact JSON.
pub fn result_line(id: &Value, result: Value) -> Vec<u8> {
    line(json!({"jsonrpc": "2.0", "id": id, "result": result}))
}

/// An error response, as one line of compact JSON.
pub fn error_line(id: &Value, error: &RpcError) -> Vec<u8> {
    let mut body = json!({"code": error.code, "message": error.message});
    if let Some(data) = &error.data {
        body["data"] = data.clone();
    }
    line(json!({"jsonrpc": "2.0", "id": id, "error": body}))
}

/// Compact JSON escapes every newline, so a message is always one line.
fn line(value: Value) -> Vec<u8> {
    serde_json::to_vec(&value).expect("BUG: a JSON value always serializes")
}

/// The key a request id is known by in the cancelled set: its JSON text,
/// so `1` and `"1"` stay apart.
pub fn id_key(id: &Value) -> String {
    id.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Incoming {
        match parse_line(line) {
            Line::One(m) => m,
            Line::Batch(_) => panic!("a batch"),
        }
    }

    #[test]
    fn requests_notifications_and_responses_are_told_apart() {
        assert!(matches!(
            one(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Incoming::Request { method, .. } if method == "ping"
        ));
        assert!(matches!(
            one(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Incoming::Notification { .. }
        ));
        assert_eq!(
            one(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#),
            Incoming::Response
        );
    }

    #[test]
    fn malformed_messages_name_what_is_wrong() {
        let code_of = |line: &str| match one(line) {
            Incoming::Invalid { error, id } => (error.code, id),
            other => panic!("{other:?}"),
        };
        assert_eq!(code_of("{not json").0, code::PARSE_ERROR);
        assert_eq!(code_of("[]").0, code::INVALID_REQUEST);
        assert_eq!(code_of("7").0, code::INVALID_REQUEST);
        assert_eq!(
            code_of(r#"{"jsonrpc":"1.0","id":3,"method":"x"}"#),
            (code::INVALID_REQUEST, json!(3))
        );
        assert_eq!(
            code_of(r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#),
            (code::INVALID_REQUEST, Value::Null)
        );
        assert_eq!(
            code_of(r#"{"jsonrpc":"2.0","id":2,"method":"x","params":[1]}"#),
            (code::INVALID_REQUEST, json!(2))
        );
    }

    #[test]
    fn lines_are_one_line_whatever_they_hold() {
        let bytes = result_line(&json!(1), json!({"text": "a\nb\r\n"}));
        assert!(!bytes.contains(&b'\n'));
        assert_eq!(id_key(&json!(1)), "1");
        assert_eq!(id_key(&json!("1")), "\"1\"");
    }

    #[test]
    fn revisions_round_trip_and_order() {
        for r in Revision::HANDSHAKE.into_iter().chain(Revision::MODERN) {
            assert_eq!(Revision::parse(r.as_str()), Some(r));
        }
        assert!(Revision::V2026_07_28.is_modern());
        assert!(!Revision::V2025_11_25.is_modern());
        assert!(!Revision::V2024_11_05.has_annotations());
        assert!(Revision::V2025_06_18.has_structured());
        assert_eq!(Revision::parse("2024-10-07"), None);
    }
}
