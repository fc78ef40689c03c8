// Command tencentses is Gatehouse's Tencent Cloud SES (Simple Email Service) connector, run by
// the host as a plugin process.
package main

import "github.com/gatehouse-iam/gatehouse/plugins/connector"

func main() { connector.Serve(New()) }
