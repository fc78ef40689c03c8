package protocol

import (
	"time"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"
)

// errorToProto puts any error on the wire typed: a connector's *sdk.Error as it is, anything
// untyped as unavailable (sdk.AsError), so the host never has to guess.
func errorToProto(err error) *Error {
	if err == nil {
		return nil
	}
	e := sdk.AsError(err)
	var fields []*FieldError
	if len(e.Fields) > 0 {
		fields = make([]*FieldError, len(e.Fields))
		for i, f := range e.Fields {
			fields[i] = &FieldError{Field: f.Field, Reason: f.Reason}
		}
	}
	return &Error{
		Kind:            string(e.Kind),
		Message:         e.Message,
		Fields:          fields,
		RetryAfterNanos: int64(e.RetryAfter),
		ProviderCode:    e.ProviderCode,
	}
}

// errorFromProto rebuilds the connector's error. A kind this host does not know (a newer
// plugin) becomes unavailable rather than leaking an unknown kind into the host.
func errorFromProto(in *Error) *sdk.Error {
	if in == nil {
		return nil
	}
	var fields []sdk.FieldError
	if len(in.GetFields()) > 0 {
		fields = make([]sdk.FieldError, len(in.GetFields()))
		for i, f := range in.GetFields() {
			fields[i] = sdk.FieldError{Field: f.GetField(), Reason: f.GetReason()}
		}
	}
	kind := sdk.ErrorKind(in.GetKind())
	msg := in.GetMessage()
	if !kind.Known() {
		msg = "connector returned unknown error kind " + string(kind) + ": " + msg
		kind = sdk.KindUnavailable
	}
	return &sdk.Error{
		Kind:         kind,
		Message:      msg,
		Fields:       fields,
		RetryAfter:   time.Duration(in.GetRetryAfterNanos()),
		ProviderCode: in.GetProviderCode(),
	}
}
