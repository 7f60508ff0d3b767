//! Prompts: one per pack, whose message is the pack rendered (a client
//! offers it as a slash command). Getting one sends a payload, so it is
//! served and recorded like the render tool.

use serde_json::{Value, json};

use ctx_engine::RenderOptions;

use super::page::page;
use super::protocol::RpcError;
use super::resources::{engine_error, internal};
use super::session::{Cache, Request, Session};

/// `prompts/list`.
pub fn list(session: &Session, req: &Request) -> Result<Vec<u8>, RpcError> {
    let engine = session.engine().map_err(internal)?;
    let packs = engine.list_packs().map_err(engine_error)?.packs;
    let (shown, next) = page(req, packs, |p| p.name.as_str())?;
    let prompts: Vec<Value> = shown
        .iter()
        .map(|p| {
            let mut v = json!({
                "name": p.name.as_str(),
                "description": format!(
                    "The pack `{}` rendered within its budget of {} tokens ({} artifacts).",
                    p.name, p.budget, p.artifacts
                ),
                "arguments": [],
            });
            if req.revision.has_structured() {
                v["title"] = json!(format!("Pack {}", p.name));
            }
            v
        })
        .collect();
    let mut result = json!({"prompts": prompts});
    if let Some(next) = next {
        result["nextCursor"] = json!(next);
    }
    Ok(req.finish(result, Some(Cache::Store)))
}

/// `prompts/get`.
pub fn get(session: &Session, req: &Request) -> Result<Vec<u8>, RpcError> {
    let name = req
        .str_param("name")?
        .ok_or_else(|| RpcError::invalid_params("`name` is required"))?
        .to_owned();
    let engine = session.engine().map_err(internal)?;
    let options = RenderOptions {
        format: session.config().format.value,
        redact: true,
        ..RenderOptions::default()
    };
    let served = engine.serve_render(
        std::slice::from_ref(&name),
        &options,
        req.agent(format!("prompt {name}")),
        |rendered, id| {
            req.deliver(
                json!({
                    "description": format!(
                        "The pack `{name}`: {} tokens, stored as snapshot {id}.",
                        rendered.tokens
                    ),
                    "messages": [{
                        "role": "user",
                        "content": {"type": "text", "text": rendered.payload()},
                    }],
                }),
                None,
            )
        },
    );
    match served {
        Ok(served) => Ok(served.bytes.unwrap_or_default()),
        Err(e @ ctx_engine::EngineError::NotFound(_)) => {
            Err(RpcError::invalid_params(format!("Unknown prompt: {e}")))
        }
        Err(e) => Err(engine_error(e)),
    }
}
