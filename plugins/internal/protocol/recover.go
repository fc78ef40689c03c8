package protocol

import (
	"context"
	"runtime/debug"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"
)

// PanicMessage is the message of the unavailable error a panicking call returns. The panic's
// value stays in the plugin's log: it may hold anything, including configuration.
const PanicMessage = "connector panicked while handling the call"

// RecoverUnary is the plugin's panic-recovery interceptor. One bad call must not kill the
// process that serves every tenant, so a panic becomes an unavailable error for that call
// (a gRPC status with an Error detail, which Client returns typed) and is logged with its stack.
func RecoverUnary(logger hclog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				if logger != nil {
					logger.Error("connector panic recovered", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
				}
				st, serr := status.New(codes.Internal, PanicMessage).WithDetails(errorToProto(sdk.Unavailable(PanicMessage)))
				if serr != nil {
					st = status.New(codes.Internal, PanicMessage)
				}
				resp, err = nil, st.Err()
			}
		}()
		return handler(ctx, req)
	}
}
