/**
 * What run-command needs from the agent hub (fleet/agent-*.ts), declared here so that the two are joined only in
 * the composition root: the link to agents connected to this node, and the directory of enrolled agents.
 */
import type { AgentMessage, ServerMessage, TagSelector } from '@tocsin/protocol';

export type CommandMessage = Extract<AgentMessage, { type: 'command.started' | 'command.result' }>;

export interface AgentLink {
  /** Sends a frame to an agent connected to THIS node; false when it is not (or the socket refused it). */
  send(agentId: string, frame: ServerMessage): boolean;
  isConnectedHere(agentId: string): boolean;
  onCommandMessage(h: (agentId: string, m: CommandMessage) => void): void;
  onConnect(h: (agentId: string) => void): void;
}

export interface DirectoryAgent {
  id: string;
  hostname: string;
  tags: Record<string, string>;
  state: 'online' | 'offline';
  commandsEnabled: boolean;
}

export interface AgentDirectory {
  match(targets: { tags?: TagSelector; agents?: string[] }): Promise<DirectoryAgent[]>;
  groupExpectedSize(name: string): Promise<number | undefined>;
  signCommand(f: {
    agentId: string;
    invocationId: string;
    command: string;
    timeoutMs: number;
    notAfter: number;
  }): string;
}

/** Both, as the composition root passes them to the commands module. */
export interface CommandPorts {
  link: AgentLink;
  directory: AgentDirectory;
}
