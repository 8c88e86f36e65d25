// Scenarios that need a machine-wide resource (a fixed port, the default socket path, the host's
// docker group) carry @serial; the parallel scheduler never runs two of them at once.
import { setParallelCanAssign, parallelCanAssignHelpers } from '@cucumber/cucumber';

setParallelCanAssign(parallelCanAssignHelpers.atMostOnePicklePerTag(['@serial']));
