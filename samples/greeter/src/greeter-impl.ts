import { callInfo, DubboService, type HandlerContext, type ServiceImpl } from "dubbo-mesh";
import { GreeterService, type GreetRequest, type GreetResponse } from "./gen/greet/v1/greet_pb.js";

type Greeting = Pick<GreetResponse, "greeting">;

/**
 * The sample's greeter. Every greeting ends with the instance that served it (`hello, alice from 10.1.2.3:50052`), so
 * a balancer's spread is visible in the replies.
 */
@DubboService(GreeterService, { version: "1.0.0" })
export class GreeterImpl implements ServiceImpl<typeof GreeterService> {
  async greet(req: GreetRequest, ctx: HandlerContext): Promise<Greeting> {
    return { greeting: `hello, ${req.name} from ${callInfo(ctx).localAddress}` };
  }

  async *greetStream(req: GreetRequest, ctx: HandlerContext): AsyncIterable<Greeting> {
    for (let i = 1; i <= 3; i++) yield { greeting: `hello, ${req.name} #${i} from ${callInfo(ctx).localAddress}` };
  }

  async greetClientStream(reqs: AsyncIterable<GreetRequest>, ctx: HandlerContext): Promise<Greeting> {
    const names: string[] = [];
    for await (const req of reqs) names.push(req.name);
    return { greeting: `hello, ${names.join(", ")} from ${callInfo(ctx).localAddress}` };
  }

  async *greetBidi(reqs: AsyncIterable<GreetRequest>, ctx: HandlerContext): AsyncIterable<Greeting> {
    for await (const req of reqs) yield { greeting: `hello, ${req.name} from ${callInfo(ctx).localAddress}` };
  }
}
