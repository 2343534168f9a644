//! End-to-end: TLS on loopback with certificates made here (rcgen): a server certificate from a
//! test CA, then client-certificate authentication with `tls.client_ca_file`.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use slotwise_proto::v1::{
    ListExperimentsRequest, experiment_service_client::ExperimentServiceClient,
};
use support::ServerProcess;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// A certificate and its key, in PEM.
struct Pem {
    cert: String,
    key: String,
}

/// A CA that signs a server certificate for `localhost` and client certificates.
struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Self { issuer }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    fn sign(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> Pem {
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Pem {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

fn write(directory: &Path, name: &str, text: &str) -> PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A TLS server for `localhost`; with `client_ca`, clients need a certificate it signed.
fn tls_server(directory: &Path, ca: &TestCa, client_ca: Option<&TestCa>) -> ServerProcess {
    let server = ca.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth);
    let cert_file = write(directory, "server.pem", &server.cert);
    let key_file = write(directory, "server.key", &server.key);
    let mut builder = ServerProcess::builder()
        .env("SLOTWISE_TLS_CERT_FILE", &cert_file)
        .env("SLOTWISE_TLS_KEY_FILE", &key_file);
    if let Some(client_ca) = client_ca {
        let ca_file = write(directory, "clients-ca.pem", &client_ca.pem());
        builder = builder.env("SLOTWISE_TLS_CLIENT_CA_FILE", &ca_file);
    }
    builder.start()
}

async fn tls_channel(
    server: &ServerProcess,
    ca: &TestCa,
    identity: Option<&Pem>,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca.pem()))
        .domain_name("localhost");
    if let Some(identity) = identity {
        tls = tls.identity(Identity::from_pem(&identity.cert, &identity.key));
    }
    Endpoint::from_shared(format!("https://{}", server.address))
        .unwrap()
        .tls_config(tls)?
        .connect()
        .await
}

async fn serving(channel: Channel) -> Result<ServingStatus, tonic::Status> {
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await?;
    Ok(response.into_inner().status())
}

#[tokio::test]
async fn calls_go_over_tls_and_plaintext_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let ca = TestCa::new("slotwise test CA");
    let server = tls_server(directory.path(), &ca, None);

    let channel = tls_channel(&server, &ca, None).await.unwrap();
    assert_eq!(
        serving(channel.clone()).await.unwrap(),
        ServingStatus::Serving
    );
    let listed = ExperimentServiceClient::new(channel)
        .list_experiments(ListExperimentsRequest::default())
        .await;
    assert!(listed.is_ok(), "{listed:?}");

    let plaintext = Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await;
    match plaintext {
        Err(_) => {}
        Ok(channel) => assert!(serving(channel).await.is_err()),
    }

    let stranger = TestCa::new("another CA");
    let untrusted = tls_channel(&server, &stranger, None).await;
    match untrusted {
        Err(_) => {}
        Ok(channel) => assert!(serving(channel).await.is_err()),
    }
}

#[tokio::test]
async fn a_client_ca_admits_only_clients_with_a_certificate_it_signed() {
    let directory = tempfile::tempdir().unwrap();
    let ca = TestCa::new("slotwise test CA");
    let clients = TestCa::new("slotwise clients CA");
    let server = tls_server(directory.path(), &ca, Some(&clients));

    let client = clients.sign(&["scheduler"], ExtendedKeyUsagePurpose::ClientAuth);
    let channel = tls_channel(&server, &ca, Some(&client)).await.unwrap();
    assert_eq!(serving(channel).await.unwrap(), ServingStatus::Serving);

    for identity in [
        None,
        Some(TestCa::new("rogue CA").sign(&["scheduler"], ExtendedKeyUsagePurpose::ClientAuth)),
    ] {
        let refused = match tls_channel(&server, &ca, identity.as_ref()).await {
            Err(_) => true,
            Ok(channel) => serving(channel).await.is_err(),
        };
        assert!(
            refused,
            "a client with {:?} certificate got in",
            identity.map(|_| "a rogue")
        );
    }
}
