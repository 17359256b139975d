//! The server's injectable clock (issue 17): with it pinned to the benchmarks' instant,
//! the benchmarks' orders (built at `fixtures::t0()`, in November 2026) carry no SLA
//! flag on any day; moved past their deadlines, the SLA timer breaches them.

use std::time::Duration;

use onsite_core::doc::order::OrderDoc;
use onsite_core::fixtures::Cast;
use onsite_core::ops;
use onsite_core::records::order::FlagKind;
use onsite_server::clock::Clock;
use onsite_tests::protocol_client::Client;
use onsite_tests::{bench_orders, TestServer};

const PASSWORD: &str = "clock-password";

/// The SLA flags on each order the device holds, by order id.
fn sla_flags(device: &Client) -> anyhow::Result<Vec<(String, Vec<FlagKind>)>> {
    device
        .docs
        .iter()
        .map(|(id, d)| {
            let order = ops::hydrate::<OrderDoc>(&d.doc)?;
            let kinds = order
                .flags
                .iter()
                .map(|f| f.kind)
                .filter(|k| matches!(k, FlagKind::SlaAtRisk | FlagKind::SlaBreached))
                .collect();
            Ok((id.clone(), kinds))
        })
        .collect()
}

#[tokio::test]
async fn benchmark_orders_are_judged_by_the_server_clock_not_the_calendar() -> anyhow::Result<()> {
    let clock = Clock::at(bench_orders::instant());
    let server = TestServer::start_with_clock(clock.clone(), Duration::from_millis(100)).await?;
    let cast = Cast::default();
    bench_orders::add_technician(&server, PASSWORD)?;
    let db = onsite_tests::pg::open(server.data.path())?;
    // Both kinds the benchmarks build: full lifecycles (sync) and fresh dispatches (load).
    let lifecycles = (1..=3).map(|seed| bench_orders::lifecycle_order(seed, usize::MAX));
    let dispatched = (11..=13).map(|seed| bench_orders::dispatched_order(seed, cast.technician));
    bench_orders::store(&server, lifecycles.chain(dispatched))?;

    // Every order evaluated by the timer at the pinned instant: one `sla_due` row each.
    let evaluated = || -> anyhow::Result<i64> {
        Ok(db
            .conn()
            .query_row("SELECT count(*) FROM sla_due", (), |r| r.get(0))?)
    };
    tokio::time::timeout(Duration::from_secs(20), async {
        while evaluated()? < 6 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        anyhow::Ok(())
    })
    .await??;
    let mut device = Client::sign_in(&server.url(""), "tech", PASSWORD).await?;
    device.clock = clock.clone();
    device.sync().await?;
    assert_eq!(device.docs.len(), 6);
    for (id, kinds) in sla_flags(&device)? {
        assert!(
            kinds.is_empty(),
            "order {id} at the benchmark's instant: {kinds:?}"
        );
    }

    // A month later (today's date is, for orders built in November 2026), nobody having
    // touched them: the timer breaches the dispatched orders, waking the device.
    assert!(clock.advance(chrono::Duration::days(30)));
    let dispatched: Vec<String> = (11..=13)
        .map(|seed| bench_orders::dispatched_order(seed, cast.technician).map(|(id, _)| id))
        .collect::<anyhow::Result<_>>()?;
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            device.wait(10).await?;
            device.sync().await?;
            let flags = sla_flags(&device)?;
            let breached = flags
                .iter()
                .filter(|(id, kinds)| {
                    dispatched.contains(id) && kinds.contains(&FlagKind::SlaBreached)
                })
                .count();
            if breached == dispatched.len() {
                return anyhow::Ok(());
            }
        }
    })
    .await??;
    server.stop().await?;
    Ok(())
}
