package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are kiln's Prometheus metrics, on a registry of their own.
// The GitHub client reports through APICall and RateLimit; the intake and the
// router through Delivery and JobDone.
type Metrics struct {
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec
	jobs       *prometheus.HistogramVec
	apiCalls   *prometheus.CounterVec
	rateLimit  prometheus.Gauge
}

// NewMetrics registers kiln's metrics and the Go runtime and process ones.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiln_webhook_deliveries_total",
			Help: "Webhook deliveries received, by event and outcome (queued, duplicate, ignored, bad_signature, ...).",
		}, []string{"event", "outcome"}),
		jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kiln_job_duration_seconds",
			Help:    "Time workers spent on a delivery, by event and outcome.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"event", "outcome"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kiln_github_api_calls_total",
			Help: "GitHub API calls, by operation and HTTP status (0: no response).",
		}, []string{"operation", "status"}),
		rateLimit: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kiln_github_rate_limit_remaining",
			Help: "Requests left in the GitHub rate-limit window, as last reported by GitHub.",
		}),
	}
	m.reg.MustRegister(m.deliveries, m.jobs, m.apiCalls, m.rateLimit,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Delivery counts one webhook delivery.
func (m *Metrics) Delivery(event, outcome string) {
	if event == "" {
		event = "unknown"
	}
	m.deliveries.WithLabelValues(event, outcome).Inc()
}

// JobDone records how long a worker spent on a delivery.
func (m *Metrics) JobDone(event, outcome string, d time.Duration) {
	m.jobs.WithLabelValues(event, outcome).Observe(d.Seconds())
}

// APICall counts one GitHub API call; op names the operation (e.g.
// "checks/create"), status is the HTTP status or 0 without a response.
func (m *Metrics) APICall(op string, status int) {
	m.apiCalls.WithLabelValues(op, strconv.Itoa(status)).Inc()
}

// RateLimit records the x-ratelimit-remaining GitHub last sent.
func (m *Metrics) RateLimit(remaining int) { m.rateLimit.Set(float64(remaining)) }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// WatchQueue exposes the queue's depth and the age of its oldest job,
// read at each scrape.
func (m *Metrics) WatchQueue(depth func(ctx context.Context) (int, time.Duration, error)) error {
	return m.reg.Register(&queueCollector{
		depth: depth,
		jobs:  prometheus.NewDesc("kiln_queue_depth", "Deliveries queued or being worked on.", nil, nil),
		age:   prometheus.NewDesc("kiln_queue_oldest_age_seconds", "Age of the oldest delivery not done.", nil, nil),
	})
}

type queueCollector struct {
	depth     func(ctx context.Context) (int, time.Duration, error)
	jobs, age *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.jobs; ch <- c.age }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, age, err := c.depth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.jobs, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age.Seconds())
}
