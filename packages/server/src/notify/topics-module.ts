import type { AppContext, AppModule } from '../app-module.js';
import { registerConfirmRoutes } from './confirm-routes.js';
import { topicConfigSection } from './topic-config.js';
import { registerTopicRoutes } from './topic-routes.js';
import { TopicService, type TopicReferrer } from './topic-service.js';

export interface TopicsModule extends AppModule {
  topics: TopicService;
}

/**
 * Topics and subscriptions: their routes, confirmation links and config
 * section. Built after the modules whose resources name topics, which it
 * takes as referrers (a topic they name cannot be deleted).
 */
export function topicsModule(ctx: AppContext, referrers: readonly TopicReferrer[]): TopicsModule {
  const topics = new TopicService(ctx.db, ctx.clock, ctx.wakeOutbox, referrers);
  return {
    name: 'topics',
    topics,
    configSections: [topicConfigSection(topics)],
    routes(app) {
      registerTopicRoutes(app, ctx.tokens, topics, ctx.publisher);
      registerConfirmRoutes(app, ctx.tokens, topics);
    },
  };
}
