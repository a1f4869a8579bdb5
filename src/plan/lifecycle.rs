//! Container lifecycle hooks, typed: each serialises through k8s-openapi's
//! `Lifecycle` and `LifecycleHandler`.

use k8s_openapi::api::core::v1 as k8s;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::site::names::PortName;

/// Hooks after start and before stop.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::Lifecycle")]
pub struct Lifecycle {
    pub post_start: Option<Hook>,
    pub pre_stop: Option<Hook>,
}

/// One hook's action.
#[derive(Debug, Clone)]
pub enum Hook {
    Exec { command: Vec<String> },
    Http { path: String, port: PortName },
    Sleep { seconds: u32 },
}

impl From<Hook> for k8s::LifecycleHandler {
    fn from(h: Hook) -> Self {
        match h {
            Hook::Exec { command } => Self {
                exec: Some(k8s::ExecAction {
                    command: Some(command),
                }),
                ..Default::default()
            },
            Hook::Http { path, port } => Self {
                http_get: Some(k8s::HTTPGetAction {
                    path: Some(path),
                    port: IntOrString::String(port.to_string()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            Hook::Sleep { seconds } => Self {
                sleep: Some(k8s::SleepAction {
                    seconds: seconds.into(),
                }),
                ..Default::default()
            },
        }
    }
}

impl From<Lifecycle> for k8s::Lifecycle {
    fn from(l: Lifecycle) -> Self {
        Self {
            post_start: l.post_start.map(Into::into),
            pre_stop: l.pre_stop.map(Into::into),
            ..Default::default()
        }
    }
}
