import module from 'node:module';

// Imported first by the CLI: every `mictract` command loads hundreds of modules (Fabric protos, the
// gateway, X.509), most of its start-up on a busy machine. Node's on-disk compile cache (in the OS
// temp folder) lets later runs skip compiling them.
module.enableCompileCache?.();
