// Package protocol is the wire between the Gatehouse host and a connector plugin: the versioned
// connector.proto, its generated code, the go-plugin handshake and plugin set, and both gRPC
// bridge halves (Server wraps an sdk.Connector inside the plugin; Client implements the same
// interface in the host). Each file named after a concept converts that concept between the
// SDK's plain Go types and the generated messages, so neither side ever sees protobuf types.
package protocol

import (
	"os"
	"os/exec"
	"strconv"

	plugin "github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the version written in connector.proto ("protocol version N"); it is the
// handshake's ProtocolVersion, so a host and a plugin built against different versions refuse
// each other at launch instead of misreading messages.
const ProtocolVersion = 1

// PluginName is the name under which the connector is dispensed from the plugin set.
const PluginName = "connector"

// Handshake is shared by the host and every plugin. The magic cookie is not a secret: it only
// keeps a user who runs a plugin binary by hand from seeing a confusing hang.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "GATEHOUSE_CONNECTOR_PLUGIN",
	MagicCookieValue: "5f1d6c0b2e8a4c3e9b7a1f2d0c6e8a4b",
}

// HostPIDEnv names the variable in which the host passes its own process id to the plugins it
// starts. A plugin that compares its parent with this id knows its host is gone even when the
// host died before the plugin first looked at its parent, which then already was init or a
// subreaper.
const HostPIDEnv = "GATEHOUSE_PLUGIN_HOST_PID"

// DefaultMaxProcs is the GOMAXPROCS the server starts its plugins with unless configured
// otherwise (host.DefaultMaxProcs), and the connectortest kit always.
const DefaultMaxProcs = 1

// Command starts the plugin binary at path the way the host does: with none of the starter's
// environment (the go-plugin client is to set SkipHostEnv) but HostPIDEnv naming the starter,
// so the plugin can tell when the starter is gone, and GOMAXPROCS when maxProcs is positive.
// The host and the connectortest kit both use it, so the kit checks plugins on the path the
// host takes.
func Command(path string, maxProcs int) *exec.Cmd {
	cmd := exec.Command(path)
	cmd.Env = []string{HostPIDEnv + "=" + strconv.Itoa(os.Getpid())}
	if maxProcs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(maxProcs))
	}
	return cmd
}
