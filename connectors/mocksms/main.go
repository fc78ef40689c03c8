// Command mocksms is the mock SMS connector plugin: it appends each message to an outbox file
// instead of sending it. Run it with --describe to see its metadata; the host launches it.
package main

import (
	"github.com/gatehouse-iam/gatehouse/connectors/internal/mock"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

func main() { connector.Serve(mock.New(connector.SMS)) }
