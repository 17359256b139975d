//! A real server on loopback answers its health check from its own database.

use onsite_server::{http::Health, Config, Server};

#[tokio::test]
async fn a_fresh_server_reports_healthy_over_http() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let server = Server::bind(&Config {
        data_dir: data.path().join("server"),
        listen: "127.0.0.1:0".parse()?,
    })
    .await?;
    let addr = server.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));

    let response = reqwest::get(format!("http://{addr}/health")).await?;
    assert_eq!(response.status(), 200);
    let health: Health = response.json().await?;
    assert_eq!(health.status, "ok");
    assert!(
        data.path().join("server/server.db").exists(),
        "the server keeps its data in the configured folder"
    );

    let _ = stop.send(());
    task.await??;
    Ok(())
}
