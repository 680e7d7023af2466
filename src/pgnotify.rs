//! Publication watch for PostGIS-backed replicas (数据更新通知): every `ecogate serve` whose layers are read from
//! PostgreSQL (GDAL `PG:` sources) listens on a channel with `LISTEN`, and whoever publishes a new dataset version
//! runs `NOTIFY <channel>` after committing it. Each notification makes the replica reload, so several stateless
//! replicas behind a load balancer converge on the same content (the dataset version is a hash of what was loaded,
//! so equal content gives an equal version on every replica).
//!
//! A notification sent while a replica is disconnected is lost by PostgreSQL's design, so the watch also asks for a
//! reload on every (re)connection; a reload that finds the same content changes nothing.

use futures_util::StreamExt;
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

/// The channel replicas listen on unless configured otherwise.
pub const DEFAULT_CHANNEL: &str = "ecogate_dataset";

/// Why the watch asks for a reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// (Re)connected: a publication may have been missed while not listening.
    Connected,
    /// `NOTIFY` arrived; the payload is what the publisher wrote (a note, a version label), for the logs.
    Published { payload: String },
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("invalid channel name {0:?}: use letters, digits and underscores, starting with a letter")]
    Channel(String),
}

/// Listens for publications on `channel` of the database `conninfo` names (libpq key/value or URI form).
#[derive(Clone)]
pub struct PgWatch {
    conninfo: String,
    channel: String,
}

impl std::fmt::Debug for PgWatch {
    // The connection string may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgWatch").field("conninfo", &"<redacted>").field("channel", &self.channel).finish()
    }
}

impl PgWatch {
    pub fn new(conninfo: impl Into<String>, channel: impl Into<String>) -> Result<PgWatch, WatchError> {
        let channel = channel.into();
        // The name goes into a LISTEN statement, which takes no bind parameters: only plain identifiers pass.
        let plain = channel.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && channel.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && channel.len() <= 63;
        if !plain {
            return Err(WatchError::Channel(channel));
        }
        Ok(PgWatch { conninfo: conninfo.into(), channel })
    }

    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Runs until the task is dropped: connects, listens, and awaits `on_event` for each event. Events that arrive
    /// while `on_event` runs (a reload in progress) are coalesced into one, since one reload reads everything.
    /// Connection failures are logged and retried with a growing pause (1 s doubling to 30 s).
    pub async fn run<F, Fut>(self, mut on_event: F)
    where
        F: FnMut(WatchEvent) -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut pause = Duration::from_secs(1);
        loop {
            match self.listen_once(&mut on_event, &mut pause).await {
                Ok(()) => tracing::warn!(channel = %self.channel, "publication watch: connection closed; reconnecting"),
                Err(e) => tracing::warn!(channel = %self.channel, error = %e, retry_in_s = pause.as_secs(), "publication watch: cannot listen"),
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(30));
        }
    }

    async fn listen_once<F, Fut>(&self, on_event: &mut F, pause: &mut Duration) -> Result<(), tokio_postgres::Error>
    where
        F: FnMut(WatchEvent) -> Fut,
        Fut: Future<Output = ()>,
    {
        let (client, mut connection) = tokio_postgres::connect(&self.conninfo, NoTls).await?;
        let (tx, mut rx) = mpsc::unbounded_channel();
        // The connection object carries the notifications; it must be polled for the client to work at all.
        let driver = tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notification(n)) => {
                        if tx.send(n.payload().to_string()).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "publication watch: connection error");
                        break;
                    }
                }
            }
        });
        let listening = client.batch_execute(&format!("LISTEN {}", self.channel)).await;
        if let Err(e) = listening {
            driver.abort();
            return Err(e);
        }
        tracing::info!(channel = %self.channel, "publication watch: listening");
        *pause = Duration::from_secs(1);
        on_event(WatchEvent::Connected).await;
        while let Some(mut payload) = rx.recv().await {
            while let Ok(later) = rx.try_recv() {
                payload = later;
            }
            tracing::info!(channel = %self.channel, %payload, "publication watch: new version published");
            on_event(WatchEvent::Published { payload }).await;
        }
        // Keep the client alive until here: dropping it closes the connection.
        drop(client);
        driver.abort();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_that_could_inject_sql_are_refused() {
        assert!(PgWatch::new("host=x", "ecogate_dataset").is_ok());
        for bad in ["", "1abc", "a;DROP TABLE zones", "a b", "\"quoted\"", &"x".repeat(64)] {
            assert!(PgWatch::new("host=x", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn debug_output_never_shows_the_connection_string() {
        let w = PgWatch::new("host=db password=s3cret", "ecogate_dataset").expect("valid");
        assert!(!format!("{w:?}").contains("s3cret"));
    }
}
