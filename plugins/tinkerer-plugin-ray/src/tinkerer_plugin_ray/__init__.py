"""Tinkerer's Ray executor: experiments run as Ray tasks on a cluster, the engine stays on this machine."""
