package protocol

import (
	"context"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"
)

// Plugin is the go-plugin glue for the connector service. In the plugin process Impl is the
// integrator's connector; in the host Impl is nil and only GRPCClient is used.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl   sdk.Connector
	Logger hclog.Logger
}

var _ plugin.GRPCPlugin = (*Plugin)(nil)

// PluginSet is the plugin map for plugin.ServeConfig (impl set) and plugin.ClientConfig (nil).
func PluginSet(impl sdk.Connector, logger hclog.Logger) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &Plugin{Impl: impl, Logger: logger}}
}

// GRPCServer registers the server half around Impl.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	RegisterConnectorServer(s, NewServer(p.Impl, p.Logger))
	return nil
}

// GRPCClient returns the client half, a *Client.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, cc *grpc.ClientConn) (any, error) {
	return NewClient(cc), nil
}
