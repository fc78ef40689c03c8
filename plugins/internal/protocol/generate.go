package protocol

// Regenerate connector.pb.go and connector_grpc.pb.go from connector.proto. Needs protoc on PATH
// (Debian: apt-get install protobuf-compiler, which gives libprotoc 3.21.12); the Go generators
// are pinned by the tool directives in go.mod and run through the scripts in tools/.
//go:generate protoc --plugin=protoc-gen-go=tools/protoc-gen-go --plugin=protoc-gen-go-grpc=tools/protoc-gen-go-grpc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative connector.proto
