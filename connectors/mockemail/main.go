// Command mockemail is the mock email connector plugin: it renders each email and appends it to
// an outbox file instead of sending it. Run it with --describe to see its metadata.
package main

import (
	"github.com/gatehouse-iam/gatehouse/connectors/internal/mock"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

func main() { connector.Serve(mock.New(connector.Email)) }
