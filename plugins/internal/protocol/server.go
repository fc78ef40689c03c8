package protocol

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/go-hclog"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"
)

// Server is the plugin-side half: it serves an sdk.Connector over gRPC.
type Server struct {
	UnimplementedConnectorServer
	impl   sdk.Connector
	logger hclog.Logger
	// info is computed once: Describe must not depend on anything, and the schema bytes are
	// the biggest thing on the wire.
	info *Info
}

// NewServer wraps impl. logger may be nil.
func NewServer(impl sdk.Connector, logger hclog.Logger) *Server {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Server{impl: impl, logger: logger, info: infoToProto(impl.Describe())}
}

// Describe implements ConnectorServer.
func (s *Server) Describe(context.Context, *DescribeRequest) (*DescribeResponse, error) {
	return &DescribeResponse{Info: s.info}, nil
}

// Validate implements ConnectorServer. Connector errors go into the response, typed.
func (s *Server) Validate(ctx context.Context, req *ValidateRequest) (*ValidateResponse, error) {
	err := s.impl.Validate(ctx, sdk.Config(json.RawMessage(req.GetConfig())), req.GetVerify())
	return &ValidateResponse{Error: errorToProto(err)}, nil
}

// Send implements ConnectorServer.
func (s *Server) Send(ctx context.Context, req *SendRequest) (*SendResponse, error) {
	receipt, err := s.impl.Send(ctx, sdk.Config(json.RawMessage(req.GetConfig())), messageFromProto(req.GetMessage()))
	if err != nil {
		return &SendResponse{Error: errorToProto(err)}, nil
	}
	return &SendResponse{Receipt: receiptToProto(receipt)}, nil
}
