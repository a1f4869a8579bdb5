//! The core Kubernetes kinds a site-local template may emit beyond those
//! hearth renders itself: every stable kind k8s-openapi (for the pinned
//! Kubernetes minor) serves that belongs in a manifest. Reviews, bindings,
//! evictions and other request-only kinds are left out: they are never stored
//! objects, so a manifest holding one is a mistake.

use serde_json::Value;

use super::schema_of;

/// A kind's apiVersion, its name, and how to build its schema.
pub(super) type CoreKind = (&'static str, &'static str, fn() -> Value);

/// Every core kind; schemas are built only when an object of the kind is
/// validated.
pub(super) fn all() -> Vec<CoreKind> {
    use k8s_openapi::api::{
        admissionregistration::v1 as admission, apps::v1 as apps, autoscaling::v1 as autoscaling1,
        autoscaling::v2 as autoscaling2, batch::v1 as batch, certificates::v1 as certificates,
        coordination::v1 as coordination, core::v1 as core, discovery::v1 as discovery,
        events::v1 as events, flowcontrol::v1 as flowcontrol, networking::v1 as net,
        node::v1 as node, policy::v1 as policy, rbac::v1 as rbac, scheduling::v1 as scheduling,
        storage::v1 as storage,
    };
    let mut out: Vec<CoreKind> = Vec::new();
    macro_rules! kinds {
        ($($t:ty),* $(,)?) => {$(
            out.push((
                <$t as k8s_openapi::Resource>::API_VERSION,
                <$t as k8s_openapi::Resource>::KIND,
                schema_of::<$t>,
            ));
        )*};
    }
    kinds!(
        admission::MutatingWebhookConfiguration,
        admission::ValidatingAdmissionPolicy,
        admission::ValidatingAdmissionPolicyBinding,
        admission::ValidatingWebhookConfiguration,
        apps::ControllerRevision,
        apps::DaemonSet,
        apps::Deployment,
        apps::ReplicaSet,
        apps::StatefulSet,
        autoscaling1::HorizontalPodAutoscaler,
        autoscaling2::HorizontalPodAutoscaler,
        batch::CronJob,
        batch::Job,
        certificates::CertificateSigningRequest,
        coordination::Lease,
        core::ConfigMap,
        core::Endpoints,
        core::LimitRange,
        core::Namespace,
        core::PersistentVolume,
        core::PersistentVolumeClaim,
        core::Pod,
        core::PodTemplate,
        core::ReplicationController,
        core::ResourceQuota,
        core::Secret,
        core::Service,
        core::ServiceAccount,
        discovery::EndpointSlice,
        events::Event,
        flowcontrol::FlowSchema,
        flowcontrol::PriorityLevelConfiguration,
        net::Ingress,
        net::IngressClass,
        net::IPAddress,
        net::NetworkPolicy,
        net::ServiceCIDR,
        node::RuntimeClass,
        policy::PodDisruptionBudget,
        rbac::ClusterRole,
        rbac::ClusterRoleBinding,
        rbac::Role,
        rbac::RoleBinding,
        scheduling::PriorityClass,
        storage::CSIDriver,
        storage::CSINode,
        storage::CSIStorageCapacity,
        storage::StorageClass,
        storage::VolumeAttachment,
    );
    out
}
