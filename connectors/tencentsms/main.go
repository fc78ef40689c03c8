// Command tencentsms is Gatehouse's Tencent Cloud SMS connector, run by the host as a plugin
// process.
package main

import "github.com/gatehouse-iam/gatehouse/plugins/connector"

func main() { connector.Serve(New()) }
