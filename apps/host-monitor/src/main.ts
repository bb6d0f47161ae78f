// The host monitor runs on every compute node; it is built in its own issue.
process.stderr.write('vigil-host-monitor: not implemented yet\n');
process.exit(2);
