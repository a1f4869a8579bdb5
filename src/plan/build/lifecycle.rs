//! A container's lifecycle hooks: one action each, HTTP hooks against a port
//! of the container.

use crate::diag::Code;
use crate::plan::*;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;

/// The container's hooks; none when it has none.
pub(super) fn lifecycle(
    ctx: &mut Ctx,
    name: &str,
    ports: &[Port],
    l: &m::Lifecycle,
) -> Option<Lifecycle> {
    let mut hook = |h: &Option<Spanned<m::Hook>>| hook(ctx, name, ports, h.as_ref()?);
    let out = Lifecycle {
        post_start: hook(&l.post_start),
        pre_stop: hook(&l.pre_stop),
    };
    (out.post_start.is_some() || out.pre_stop.is_some()).then_some(out)
}

/// One hook: exactly one action; an HTTP hook against a port of the container
/// (its only one when it names none).
fn hook(ctx: &mut Ctx, name: &str, ports: &[Port], h: &Spanned<m::Hook>) -> Option<Hook> {
    let (span, hk) = (h.span(), h.get_ref());
    let actions = hk.exec.is_some() as u8 + hk.http.is_some() as u8 + hk.sleep.is_some() as u8;
    let mut fail = |msg: String, help: &str| {
        ctx.err(Code::Lifecycle, msg, span.clone(), "this hook", help);
        None
    };
    if actions != 1 {
        return fail(
            "a hook has exactly one of `exec`, `http` or `sleep`".into(),
            "e.g. `pre_stop = { sleep = 5 }` or `{ exec = [\"nginx\", \"-s\", \"quit\"] }`",
        );
    }
    if let Some(command) = &hk.exec {
        return Some(Hook::Exec {
            command: command.clone(),
        });
    }
    if let Some(seconds) = hk.sleep {
        return Some(Hook::Sleep { seconds });
    }
    let path = hk.http.clone().unwrap_or_default();
    let port = match (&hk.port, ports) {
        (Some(pn), _) if ports.iter().any(|p| &p.name == pn) => pn.clone(),
        (None, [only]) => only.name.clone(),
        (Some(pn), _) => {
            return fail(
                format!("hook port `{pn}` is not a port of `{name}`"),
                "name one of the container's `ports`",
            );
        }
        (None, _) => {
            return fail(
                "this HTTP hook needs a `port`".into(),
                "set `port` to a port name of the container",
            );
        }
    };
    Some(Hook::Http { path, port })
}
