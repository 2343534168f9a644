//! The gRPC methods the server serves, read from the descriptor sets it also hands to
//! reflection, so a metric label or a log field names a real method and nothing a client
//! makes up.

use std::collections::HashMap;
use std::sync::Arc;

use prost::Message;
use prost_types::FileDescriptorSet;

/// Label of a path that names no served method.
pub const UNKNOWN_METHOD: &str = "unknown";

/// How the gate treats a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A slotwise.v1 call, or an unknown path: needs a key, counts as in flight during a drain,
    /// and is refused once the drain started.
    Api,
    /// Health checks and reflection: open to any caller, served to the end of the drain.
    Open,
}

/// A served method as the gate sees it.
#[derive(Debug, Clone)]
pub struct Method {
    /// `package.Service/Method`, or [`UNKNOWN_METHOD`].
    pub label: Arc<str>,
    pub access: Access,
}

/// Every served method, by its HTTP/2 path.
#[derive(Debug, Clone)]
pub struct Methods {
    by_path: HashMap<String, Method>,
    unknown: Method,
}

/// Services open to callers without a key.
const OPEN_SERVICES: &[&str] = &[
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

impl Methods {
    /// The methods of the slotwise, health and reflection descriptor sets.
    pub fn served() -> Result<Self, prost::DecodeError> {
        let sets = [
            slotwise_proto::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
        ];
        let mut by_path = HashMap::new();
        for encoded in sets {
            for (service, method) in service_methods(encoded)? {
                let label = format!("{service}/{method}");
                let access = if OPEN_SERVICES.contains(&service.as_str()) {
                    Access::Open
                } else {
                    Access::Api
                };
                let method = Method {
                    label: Arc::from(label.as_str()),
                    access,
                };
                by_path.insert(format!("/{label}"), method);
            }
        }
        let unknown = Method {
            label: Arc::from(UNKNOWN_METHOD),
            access: Access::Api,
        };
        Ok(Self { by_path, unknown })
    }

    /// The method a request path names.
    pub fn lookup(&self, path: &str) -> Method {
        self.by_path.get(path).unwrap_or(&self.unknown).clone()
    }
}

/// `(package.Service, Method)` for every method of an encoded descriptor set.
fn service_methods(encoded: &[u8]) -> Result<Vec<(String, String)>, prost::DecodeError> {
    let set = FileDescriptorSet::decode(encoded)?;
    let mut methods = Vec::new();
    for file in &set.file {
        let package = file.package();
        for service in &file.service {
            let service_name = match package {
                "" => service.name().to_owned(),
                package => format!("{package}.{}", service.name()),
            };
            for method in &service.method {
                methods.push((service_name.clone(), method.name().to_owned()));
            }
        }
    }
    Ok(methods)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn served_methods_are_labelled_and_open_ones_known() {
        let methods = Methods::served().unwrap();

        let solve = methods.lookup("/slotwise.v1.PlannerService/OptimizeSchedule");
        assert_eq!(&*solve.label, "slotwise.v1.PlannerService/OptimizeSchedule");
        assert_eq!(solve.access, Access::Api);

        let health = methods.lookup("/grpc.health.v1.Health/Check");
        assert_eq!(health.access, Access::Open);
        let reflection =
            methods.lookup("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
        assert_eq!(reflection.access, Access::Open);

        let made_up = methods.lookup("/slotwise.v1.PlannerService/Nope");
        assert_eq!(&*made_up.label, UNKNOWN_METHOD);
        assert_eq!(made_up.access, Access::Api);
    }
}
