package main

import (
	"net/http"

	"github.com/feedfold/feedfold/feeds"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the daemon's Prometheus metrics. They live in their own
// registry, not the global one, so that tests can run several daemons in
// one process.
type metrics struct {
	reg        *prometheus.Registry
	fetches    *prometheus.CounterVec
	items      *prometheus.CounterVec
	duplicates prometheus.Counter
	duration   prometheus.Histogram
	queue      prometheus.Gauge
	reloads    *prometheus.CounterVec
	filer      prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedfold_fetches_total",
			Help: "Feed fetches by result: ok, not_modified, error, gone.",
		}, []string{"result"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedfold_items_ingested_total",
			Help: "Items stored, by origin (feed, drop) and status (new, updated, unchanged, expired; queued: kept in the inbox of daemons sharing a PostgreSQL database, for the elected filer).",
		}, []string{"origin", "status"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedfold_duplicates_found_total",
			Help: "New or changed articles found to be near-duplicate copies of stored ones.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "feedfold_fetch_duration_seconds",
			Help:    "Time to fetch, parse and store one feed.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 10),
		}),
		queue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedfold_queue_depth",
			Help: "Feeds due for fetching that wait for a free worker.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedfold_config_reloads_total",
			Help: "Config reloads by result: applied, or rejected with the running config kept.",
		}, []string{"result"}),
		filer: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedfold_filer",
			Help: "1 while this daemon is the one elected to file the inbox of daemons sharing a PostgreSQL database, else 0.",
		}),
	}
	m.reg.MustRegister(m.fetches, m.items, m.duplicates, m.duration, m.queue, m.reloads, m.filer,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Polled implements feeds.Observer.
func (m *metrics) Polled(r feeds.PollReport) {
	if r.Skipped != "" {
		return
	}
	result := r.Result
	if result == "not modified" {
		result = "not_modified"
	}
	m.fetches.WithLabelValues(result).Inc()
	m.duration.Observe(r.Duration.Seconds())
	m.items.WithLabelValues("feed", "new").Add(float64(r.New))
	m.items.WithLabelValues("feed", "updated").Add(float64(r.Updated))
	m.items.WithLabelValues("feed", "unchanged").Add(float64(r.Unchanged))
	m.items.WithLabelValues("feed", "expired").Add(float64(r.Expired))
	m.items.WithLabelValues("feed", "queued").Add(float64(r.Queued))
	m.duplicates.Add(float64(r.Duplicates))
}

// Ingested implements feeds.Observer.
func (m *metrics) Ingested(_ feeds.Drop, r feeds.DropReport) {
	m.items.WithLabelValues("drop", "new").Add(float64(r.ItemsNew))
	m.items.WithLabelValues("drop", "updated").Add(float64(r.ItemsUpdated))
	m.items.WithLabelValues("drop", "unchanged").Add(float64(r.ItemsUnchanged))
	m.items.WithLabelValues("drop", "expired").Add(float64(r.ItemsExpired))
	m.items.WithLabelValues("drop", "queued").Add(float64(r.ItemsQueued))
	m.duplicates.Add(float64(r.Duplicates))
}

// QueueDepth implements feeds.Observer.
func (m *metrics) QueueDepth(n int) { m.queue.Set(float64(n)) }

// reloaded counts one config reload; m may be nil when metrics are off.
func (m *metrics) reloaded(applied bool) {
	if m == nil {
		return
	}
	result := "rejected"
	if applied {
		result = "applied"
	}
	m.reloads.WithLabelValues(result).Inc()
}

// filing sets feedfold_filer; m may be nil when metrics are off.
func (m *metrics) filing(elected bool) {
	if m == nil {
		return
	}
	v := 0.0
	if elected {
		v = 1
	}
	m.filer.Set(v)
}
