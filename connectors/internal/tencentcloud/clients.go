package tencentcloud

import (
	"context"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/clientcache"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// cacheSize bounds how many distinct Settings keep a client in one plugin process.
const cacheSize = 64

// Client calls one service with one set of Settings.
type Client struct {
	svc     *Service
	sdk     *common.Client
	timeout time.Duration
}

// Call invokes action with params and decodes the answer into out, bounded by the settings'
// timeout (or ctx's deadline when sooner). A failure comes back as the connector's typed error
// (see Service.ErrorFor, which whom is passed to).
func (c *Client) Call(ctx context.Context, action string, params map[string]any, out any, whom string) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := Call(ctx, c.sdk, c.svc.Name, c.svc.Version, action, params, out); err != nil {
		return c.svc.ErrorFor(Classify(err), whom)
	}
	return nil
}

// Clients keeps one Client per distinct Settings for svc, least recently used dropped first
// beyond cacheSize. Without it each call would build a client (new TLS session, new
// connection pool); keyed by Settings alone, every configuration with the same key pair,
// endpoint and timeout shares one. Safe for concurrent use.
type Clients struct {
	svc   *Service
	cache *clientcache.Cache[*Client]
}

// NewClients returns an empty cache for svc.
func NewClients(svc *Service) *Clients {
	return &Clients{svc: svc, cache: clientcache.New[*Client](cacheSize, nil)}
}

// Get returns the client for s, building it on first use. s must have passed the Settings
// checks, which fill its defaults.
func (cs *Clients) Get(s Settings) (*Client, error) {
	key, err := clientcache.Key(s)
	if err != nil {
		return nil, connector.InvalidConfig(err.Error())
	}
	return cs.cache.Get(key, func() (*Client, error) {
		return &Client{
			svc:     cs.svc,
			timeout: s.Timeout(),
			sdk: NewClient(Options{
				SecretID: s.SecretID, SecretKey: s.SecretKey, Region: s.Region,
				Endpoint: cs.svc.Endpoint(s), Scheme: s.Scheme, Timeout: s.Timeout(),
			}),
		}, nil
	})
}

// Peek returns the client cached for s without building one.
func (cs *Clients) Peek(s Settings) (*Client, bool) {
	key, err := clientcache.Key(s)
	if err != nil {
		return nil, false
	}
	return cs.cache.Peek(key)
}

// Len reports how many clients are cached.
func (cs *Clients) Len() int { return cs.cache.Len() }
