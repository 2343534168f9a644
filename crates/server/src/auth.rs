//! API keys: who is calling, and so whose data a call may touch.
//!
//! A caller sends `authorization: Bearer <key>`. The server keeps only the SHA-256 of each key
//! (configured as hex, per tenant), hashes what it is sent, and compares the digest with every
//! stored one in constant time, so neither a wrong key's timing nor a leaked configuration gives
//! a key away. The tenant of the matching key goes into the call's extensions as a [`Tenant`],
//! which every handler reads; the store keys every row by it.
//!
//! With no key configured the server is single-tenant: every call is the tenant
//! [`DEFAULT_TENANT`], and `serve` warns about it at start.

use std::fmt;
use std::sync::Arc;

use http::HeaderMap;
use sha2::{Digest, Sha256};
use slotwise_store::DEFAULT_TENANT;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use thiserror::Error;
use tonic::Request;

use crate::error::ServiceError;

/// Longest tenant name accepted in the configuration.
const MAX_TENANT_LENGTH: usize = 64;

/// The tenant a call acts for, set by the gate after it checked the call's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tenant(Arc<str>);

impl Tenant {
    pub fn new(name: &str) -> Self {
        Self(Arc::from(name))
    }

    /// The tenant of a server without API keys.
    pub fn default_tenant() -> Self {
        Self::new(DEFAULT_TENANT)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tenant of a call. Every call that came through the network has one (the gate
    /// inserts it or refuses the call); a request built in process, as benches and handler
    /// tests do, acts for the default tenant.
    pub fn of<T>(request: &Request<T>) -> Self {
        request
            .extensions()
            .get::<Tenant>()
            .cloned()
            .unwrap_or_else(Self::default_tenant)
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A key entry of the configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApiKeyError {
    #[error("tenant name {tenant:?} must be 1 to 64 letters, digits, '-', '_' or '.'")]
    TenantName { tenant: String },
    #[error("the key hash of tenant {tenant} must be 64 hex digits (a sha256), got {hash:?}")]
    Hash { tenant: String, hash: String },
    #[error("one key hash is given to both tenant {first} and tenant {second}")]
    SharedHash { first: String, second: String },
}

/// The configured keys: the SHA-256 of each, with its tenant. A tenant may have several keys,
/// so a key can be rotated without downtime.
#[derive(Clone, Default)]
pub struct ApiKeys {
    keys: Vec<(Tenant, [u8; 32])>,
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeys")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl ApiKeys {
    /// Keys from `(tenant, sha256 hex)` pairs.
    pub fn from_hashes<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ApiKeyError> {
        let mut keys: Vec<(Tenant, [u8; 32])> = Vec::new();
        for (tenant, hash) in entries {
            check_tenant_name(tenant)?;
            let digest = decode_hash(tenant, hash)?;
            if let Some((other, _)) = keys.iter().find(|(_, known)| *known == digest)
                && other.as_str() != tenant
            {
                return Err(ApiKeyError::SharedHash {
                    first: other.to_string(),
                    second: tenant.to_owned(),
                });
            }
            keys.push((Tenant::new(tenant), digest));
        }
        Ok(Self { keys })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many distinct tenants have a key.
    pub fn tenants(&self) -> usize {
        let mut names: Vec<&str> = self
            .keys
            .iter()
            .map(|(tenant, _)| tenant.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    }

    /// The tenant whose key the call's `authorization` header carries; the default tenant
    /// when no key is configured.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Tenant, ServiceError> {
        if self.is_empty() {
            return Ok(Tenant::default_tenant());
        }
        let key = bearer_key(headers)?;
        self.tenant_of(key).ok_or(ServiceError::InvalidApiKey)
    }

    /// Compares the key's digest with every stored digest, always all of them, selecting the
    /// match without a branch on secret data.
    fn tenant_of(&self, key: &[u8]) -> Option<Tenant> {
        let digest: [u8; 32] = Sha256::digest(key).into();
        let mut found = u32::MAX;
        for (index, (_, stored)) in self.keys.iter().enumerate() {
            let matches = stored.ct_eq(&digest);
            found.conditional_assign(&(index as u32), matches);
        }
        self.keys
            .get(found as usize)
            .map(|(tenant, _)| tenant.clone())
    }
}

/// The hex SHA-256 of `key`, as the configuration wants it.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn bearer_key(headers: &HeaderMap) -> Result<&[u8], ServiceError> {
    let value = headers
        .get(http::header::AUTHORIZATION)
        .ok_or(ServiceError::MissingApiKey)?
        .as_bytes();
    let (scheme, key) = value
        .split_at_checked(7)
        .ok_or(ServiceError::MalformedAuthorization)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") || key.is_empty() {
        return Err(ServiceError::MalformedAuthorization);
    }
    Ok(key)
}

fn check_tenant_name(tenant: &str) -> Result<(), ApiKeyError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if tenant.is_empty() || tenant.len() > MAX_TENANT_LENGTH || !tenant.chars().all(allowed) {
        return Err(ApiKeyError::TenantName {
            tenant: tenant.to_owned(),
        });
    }
    Ok(())
}

fn decode_hash(tenant: &str, hash: &str) -> Result<[u8; 32], ApiKeyError> {
    let mut digest = [0; 32];
    hex::decode_to_slice(hash.trim(), &mut digest).map_err(|_| ApiKeyError::Hash {
        tenant: tenant.to_owned(),
        hash: hash.to_owned(),
    })?;
    Ok(digest)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, authorization.parse().unwrap());
        headers
    }

    fn keys() -> ApiKeys {
        let bakery = hash_key("bakery-secret");
        let gym = hash_key("gym-secret");
        let gym_next = hash_key("gym-next-secret");
        ApiKeys::from_hashes([
            ("bakery", bakery.as_str()),
            ("gym", gym.as_str()),
            ("gym", gym_next.as_str()),
        ])
        .unwrap()
    }

    #[test]
    fn each_key_names_its_tenant() {
        let keys = keys();
        let tenant = |key: &str| keys.authenticate(&headers(key)).unwrap();
        assert_eq!(tenant("Bearer bakery-secret").as_str(), "bakery");
        assert_eq!(tenant("bearer gym-secret").as_str(), "gym");
        assert_eq!(tenant("Bearer gym-next-secret").as_str(), "gym");
        assert_eq!(keys.tenants(), 2);
    }

    #[test]
    fn missing_wrong_and_malformed_keys_are_refused() {
        let keys = keys();
        assert!(matches!(
            keys.authenticate(&HeaderMap::new()),
            Err(ServiceError::MissingApiKey)
        ));
        assert!(matches!(
            keys.authenticate(&headers("Bearer bakery-secreT")),
            Err(ServiceError::InvalidApiKey)
        ));
        for malformed in ["bakery-secret", "Basic YmFrZXJ5", "Bearer "] {
            assert!(
                matches!(
                    keys.authenticate(&headers(malformed)),
                    Err(ServiceError::MalformedAuthorization)
                ),
                "{malformed}"
            );
        }
    }

    #[test]
    fn without_keys_every_call_is_the_default_tenant() {
        let tenant = ApiKeys::default().authenticate(&HeaderMap::new()).unwrap();
        assert_eq!(tenant.as_str(), DEFAULT_TENANT);
    }

    #[test]
    fn bad_entries_are_named() {
        let hash = hash_key("k");
        assert!(matches!(
            ApiKeys::from_hashes([("bad name", hash.as_str())]),
            Err(ApiKeyError::TenantName { .. })
        ));
        assert!(matches!(
            ApiKeys::from_hashes([("bakery", "abc")]),
            Err(ApiKeyError::Hash { .. })
        ));
        assert!(matches!(
            ApiKeys::from_hashes([("bakery", hash.as_str()), ("gym", hash.as_str())]),
            Err(ApiKeyError::SharedHash { .. })
        ));
    }
}
