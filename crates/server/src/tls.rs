//! TLS of the gRPC port (rustls), with optional client-certificate authentication.
//!
//! The files are read and the rustls configuration is built when the configuration is
//! checked, before the server starts, so a missing file or a key that does not match its
//! certificate stops the start with the key that names the file.

use std::path::{Path, PathBuf};

use thiserror::Error;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

/// The PEM files of the `[tls]` configuration section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate chain.
    pub cert_file: PathBuf,
    /// The certificate's private key.
    pub key_file: PathBuf,
    /// When set, clients must present a certificate signed by one of these CAs.
    pub client_ca_file: Option<PathBuf>,
}

/// A TLS file that cannot be used; `key` is the configuration key that named it.
#[derive(Debug, Error)]
pub enum TlsError {
    #[error("{key}: cannot read {}: {source}", path.display())]
    Read {
        key: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{key}: {detail}")]
    Invalid { key: &'static str, detail: String },
}

impl TlsFiles {
    /// Reads the files and checks that rustls accepts them.
    pub fn load(&self) -> Result<ServerTlsConfig, TlsError> {
        let cert = read("tls.cert_file", &self.cert_file)?;
        let key = read("tls.key_file", &self.key_file)?;
        let identity = ServerTlsConfig::new().identity(Identity::from_pem(cert, key));
        check("tls.cert_file and tls.key_file", &identity)?;

        let Some(client_ca_file) = &self.client_ca_file else {
            return Ok(identity);
        };
        let client_ca = read("tls.client_ca_file", client_ca_file)?;
        let with_clients = identity.client_ca_root(Certificate::from_pem(client_ca));
        check("tls.client_ca_file", &with_clients)?;
        Ok(with_clients)
    }
}

fn read(key: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        key,
        path: path.to_owned(),
        source,
    })
}

/// Builds the rustls configuration once, as the server will, to surface its error now.
fn check(key: &'static str, config: &ServerTlsConfig) -> Result<(), TlsError> {
    match Server::builder().tls_config(config.clone()) {
        Ok(_) => Ok(()),
        Err(error) => Err(TlsError::Invalid {
            key,
            detail: error_chain(&error),
        }),
    }
}

/// An error and its sources, as one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
