package connector

// Serve runs c as a plugin process. This placeholder only lets the connectors branch compile
// its main packages; it is replaced at merge by the plugin framework's real Serve.
func Serve(c Connector) { panic("connector.Serve is provided by the plugin framework") }
