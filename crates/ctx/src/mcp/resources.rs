//! Resources: each pack's live render at `ctx://pack/{name}` and each
//! snapshot's payload at `ctx://snapshot/{id}`. Reading one sends a
//! payload, so it is served (and recorded) like the render tool.

use serde_json::{Value, json};

use ctx_engine::RenderOptions;
use ctx_model::Format;

use super::page::page;
use super::protocol::{RpcError, code};
use super::session::{Cache, Request, Session};

const PACK: &str = "ctx://pack/";
const SNAPSHOT: &str = "ctx://snapshot/";

/// The media type of a payload in `format`.
pub fn mime(format: Format) -> &'static str {
    match format {
        Format::Markdown => "text/markdown",
        Format::Xml => "application/xml",
        Format::Plain => "text/plain",
        Format::Json => "application/json",
    }
}

/// One resource as `resources/list` shows it.
struct Listed {
    uri: String,
    name: String,
    title: String,
    description: String,
    mime: &'static str,
}

/// `resources/list`: every pack, then every snapshot, newest first.
pub fn list(session: &Session, req: &Request) -> Result<Vec<u8>, RpcError> {
    let engine = session.engine().map_err(internal)?;
    let packs = engine.list_packs().map_err(engine_error)?;
    let snapshots = engine.list_snapshots(None).map_err(engine_error)?;
    let mut all: Vec<Listed> = packs
        .packs
        .iter()
        .map(|p| Listed {
            uri: format!("{PACK}{}", p.name),
            name: p.name.to_string(),
            title: format!("Pack {}", p.name),
            description: format!(
                "The pack `{}` rendered live: {} artifacts, a budget of {} tokens.",
                p.name, p.artifacts, p.budget
            ),
            mime: mime(session.config().format.value),
        })
        .collect();
    all.extend(snapshots.snapshots.iter().map(|s| {
        let packs: Vec<String> = s.packs.iter().map(ToString::to_string).collect();
        Listed {
            uri: format!("{SNAPSHOT}{}", s.id),
            name: format!("snapshot-{}", s.id.short()),
            title: format!("Snapshot {}", s.id.short()),
            description: format!(
                "A stored payload of {} ({} tokens, {} items){}.",
                packs.join(", "),
                s.tokens,
                s.items,
                s.label
                    .as_ref()
                    .map(|l| format!(", labelled `{l}`"))
                    .unwrap_or_default()
            ),
            mime: mime(s.format),
        }
    }));
    let (shown, next) = page(req, all, |r| r.uri.as_str())?;
    let resources: Vec<Value> = shown
        .into_iter()
        .map(|r| {
            let mut v = json!({
                "uri": r.uri,
                "name": r.name,
                "description": r.description,
                "mimeType": r.mime,
            });
            if req.revision.has_structured() {
                v["title"] = json!(r.title);
            }
            v
        })
        .collect();
    let mut result = json!({"resources": resources});
    if let Some(next) = next {
        result["nextCursor"] = json!(next);
    }
    Ok(req.finish(result, Some(Cache::Store)))
}

/// `resources/templates/list`.
pub fn templates(session: &Session, req: &Request) -> Result<Vec<u8>, RpcError> {
    let mut templates = vec![
        json!({
            "uriTemplate": format!("{PACK}{{name}}"),
            "name": "pack",
            "description": "A pack rendered live within its budget, secrets redacted.",
            "mimeType": mime(session.config().format.value),
        }),
        json!({
            "uriTemplate": format!("{SNAPSHOT}{{id}}"),
            "name": "snapshot",
            "description": "A snapshot's payload, byte for byte as it was rendered.",
        }),
    ];
    if req.revision.has_structured() {
        templates[0]["title"] = json!("Pack");
        templates[1]["title"] = json!("Snapshot");
    }
    if req.params.get("cursor").is_some_and(|c| !c.is_null()) {
        return Err(RpcError::invalid_params("Invalid cursor"));
    }
    Ok(req.finish(json!({"resourceTemplates": templates}), Some(Cache::Static)))
}

/// `resources/read`.
pub fn read(session: &Session, req: &Request) -> Result<Vec<u8>, RpcError> {
    let uri = req
        .str_param("uri")?
        .ok_or_else(|| RpcError::invalid_params("`uri` is required"))?
        .to_owned();
    let not_found = |why: String| {
        let code = if req.revision.is_modern() {
            code::INVALID_PARAMS
        } else {
            code::RESOURCE_NOT_FOUND
        };
        RpcError::new(code, format!("Resource not found: {why}")).with_data(json!({"uri": uri}))
    };
    let engine = session.engine().map_err(internal)?;
    let contents = |text: String, mime: &str| json!({"contents": [{"uri": uri, "mimeType": mime, "text": text}]});
    let served = if let Some(name) = uri.strip_prefix(PACK) {
        let options = RenderOptions {
            format: session.config().format.value,
            redact: true,
            ..RenderOptions::default()
        };
        engine.serve_render(
            &[name.to_owned()],
            &options,
            req.agent(&uri),
            |rendered, _| {
                req.deliver(
                    contents(rendered.payload(), mime(rendered.format)),
                    Some(Cache::Store),
                )
            },
        )
    } else if let Some(id) = uri.strip_prefix(SNAPSHOT) {
        let format = engine.show_snapshot(id).map(|s| s.format);
        match format {
            Ok(format) => engine.serve_snapshot(id, req.agent(&uri), |reproduced| {
                req.deliver(
                    contents(reproduced.payload(), mime(format)),
                    Some(Cache::Store),
                )
            }),
            Err(e) => Err(e),
        }
    } else {
        return Err(not_found(
            "ctx serves ctx://pack/NAME and ctx://snapshot/ID".into(),
        ));
    };
    match served {
        Ok(served) => Ok(served.bytes.unwrap_or_default()),
        Err(e @ ctx_engine::EngineError::NotFound(_)) => Err(not_found(e.to_string())),
        Err(e) => Err(engine_error(e)),
    }
}

/// An engine failure outside any tool: the CLI's words, as an internal
/// error (a busy or damaged store).
pub fn engine_error(e: ctx_engine::EngineError) -> RpcError {
    internal(crate::error::CliError::from(e))
}

pub fn internal(e: crate::error::CliError) -> RpcError {
    RpcError::new(code::INTERNAL_ERROR, e.render().trim_end().to_owned())
}
